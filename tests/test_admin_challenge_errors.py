"""Mistakes in a set-up file: each is named by its field and line, exits 2, and leaves
the database as it was (``create`` makes nothing, ``update`` changes nothing), on
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.setup_support import Cli, cli, edited, example, line_of, stored
from tests.support import TestApi

__all__ = ["cli"]  # the fixture, used by name

SLUG = "bottom-up-change"

# (what is written instead of what, the line it is reported on, the field, the message)
MISTAKES = {
    "syntax": ('title = "Change from the ground up"', 'title = "Change from the ground up',
               'title = "Change', "", "not valid TOML: "),
    "wrong type": ("anonymous_default = false", 'anonymous_default = "no"',
                   "anonymous_default =", "anonymous_default",
                   "input should be a valid boolean"),
    "wrong type in a phase": ("# vote_budget = 10", 'vote_budget = "ten"', "vote_budget =",
                              "phases[1].vote_budget", "input should be a valid integer"),
    "a date, not a date-time": ("starts_at = 2027-03-01T09:00:00Z", "starts_at = 2027-03-01",
                                "starts_at = 2027-03-01", "phases[0].starts_at",
                                "input should be a valid datetime"),
    "unknown key": ('moderation = "post"', 'moderation = "post"\ncolour = "blue"', "colour",
                    "colour", "unknown key"),
    "unknown key in a phase": ('name = "Develop"', 'name = "Develop"\nowner = "Sam"', "owner",
                               "phases[2].owner", "unknown key"),
    "overlapping phases": ("ends_at = 2027-03-15T17:00:00Z", "ends_at = 2027-03-30T17:00:00Z",
                           "[[phases]]", "phases",
                           "phases 'Understand' and 'Share and prioritise' overlap"),
    "naive date-time": ("starts_at = 2027-03-29T09:00:00+01:00",
                        "starts_at = 2027-03-29T09:00:00", "starts_at = 2027-03-29",
                        "phases[1].starts_at", "phase times need a timezone offset"),
    "ends before it starts": ("ends_at = 2027-04-04T17:00:00+01:00",
                              "ends_at = 2027-03-20T17:00:00+01:00", "ends_at = 2027-03-20",
                              "phases[1].ends_at", "a phase must end after it starts"),
    "duplicate theme": ('    "Data and evidence",\n',
                        '    "Data and evidence",\n    "data and evidence ",\n',
                        "themes = [", "themes", "duplicate theme"),
    "two prompts of a kind": ('kind = "idea"', 'kind = "story"', "[[prompts]]", "prompts",
                              "at most one prompt per kind"),
    "missing field": ('question = "What solutions work?"\n', "", "[[prompts]]",
                      "prompts[0].question", "field required"),
}


def mistaken(name: str) -> tuple[str, str]:
    """The example with the mistake in it, and the error's expected end."""
    old, new, needle, where, message = MISTAKES[name]
    text = edited(example(), old, new)
    # A whole list, or a table without the key, is reported at its (first) header.
    line = (text.splitlines().index(needle) + 1 if needle.startswith("[[")
            else line_of(text, needle))
    return text, f":{line}: {where}: {message}" if where else f":{line}: {message}"


def assert_reported(err: str, expected: str) -> None:
    assert err.startswith("change-challenge: ") and err.count("\n") == 1, err
    assert re.search(r"challenge-\d+\.toml" + re.escape(expected), err), (err, expected)


@pytest.mark.parametrize("name", MISTAKES)
async def test_create_names_the_mistake_and_makes_nothing(api: TestApi, cli: Cli,
                                                          name: str) -> None:
    text, expected = mistaken(name)
    done = await cli("create", text=text)
    assert (done.code, done.out) == (2, "")
    assert_reported(done.err, expected)
    assert await stored(api, SLUG) is None


@pytest.mark.parametrize("name", MISTAKES)
async def test_update_names_the_mistake_and_changes_nothing(api: TestApi, cli: Cli,
                                                            name: str) -> None:
    assert (await cli("create", text=example())).code == 0
    before = await stored(api, SLUG)
    text, expected = mistaken(name)
    done = await cli("update", SLUG, text=text)
    assert (done.code, done.out) == (2, "")
    assert_reported(done.err, expected)
    assert await stored(api, SLUG) == before


def test_the_example_file_quotes_a_real_mistake() -> None:
    # The example's opening comment shows the message for phases[1] ending too early.
    _, expected = mistaken("ends before it starts")
    assert f"challenge.toml{expected}\n" in example()


async def test_a_failing_update_leaves_the_challenge_exactly_as_it_was(
        api: TestApi, cli: Cli) -> None:
    assert (await cli("create", text=example())).code == 0
    before = await stored(api, SLUG)
    text = example()
    for old, new in (('title = "Change from the ground up"', 'title = "New title"'),
                     ('moderation = "post"', 'moderation = "pre"'),
                     ('name = "Develop"', 'name = "Develop further"'),
                     ('kind = "idea"\nquestion = "What', 'kind = "idea"\nquestion = "Which'),
                     # Refused only by the database step, after the rest was applied.
                     ('    "Data and evidence",\n', '    "Data and evidence",\n' * 2)):
        text = edited(text, old, new)
    done = await cli("update", SLUG, text=text)
    assert done.code == 2 and "themes: duplicate theme" in done.err
    assert await stored(api, SLUG) == before


async def test_a_taken_slug_is_refused_and_the_first_challenge_stays(
        api: TestApi, cli: Cli) -> None:
    assert (await cli("create", text=example())).code == 0
    before = await stored(api, SLUG)
    again = edited(example(), 'title = "Change from the ground up"', 'title = "Another"')
    done = await cli("create", text=again)
    assert (done.code, done.out) == (2, "")
    assert_reported(done.err, f":{line_of(again, 'slug = ')}: slug: a challenge with the "
                              f"slug '{SLUG}' exists; to change it: change-challenge admin "
                              f"challenge update {SLUG} --file ")
    assert await stored(api, SLUG) == before
    listed = (await cli("list")).out.splitlines()
    assert len(listed) == 2  # the header and the one challenge


async def test_an_update_file_for_another_challenge_is_refused(api: TestApi, cli: Cli) -> None:
    assert (await cli("create", text=example())).code == 0
    other = edited(example(), f'slug = "{SLUG}"', 'slug = "other-challenge"')
    before = await stored(api, SLUG)
    done = await cli("update", SLUG, text=other)
    assert done.code == 2
    assert_reported(done.err, f":{line_of(other, 'slug = ')}: slug: the file is for "
                              f"'other-challenge', not '{SLUG}'; a challenge's slug cannot "
                              "be changed")
    assert await stored(api, SLUG) == before


async def test_a_file_that_is_not_utf8_is_refused(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "latin1.toml"
    file.write_bytes('title = "Caf\xe9"\n'.encode("latin-1"))
    done = await cli("create", "--file", str(file))
    assert (done.code, done.err) == (2, f"change-challenge: {file}: not UTF-8 text (byte 12)\n")
