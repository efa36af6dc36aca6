"""``change-challenge admin challenge create | update | show | list`` against the
database the API serves, on SQLite and PostgreSQL: what the commands write is what the
API then answers, and ``show`` gives the file ``update`` takes back unchanged."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi import FastAPI

from client.models import ChallengeCreate, PhaseIn, PromptIn
from server.cache import Challenges
from server.challenge_toml import dumps
from server.config import Settings
from tests.setup_support import Cli, cli, edited, example, shown, stored
from tests.support import DAY, TestApi, challenge_spec, phase, problem

__all__ = ["cli"]  # the fixture, used by name

SLUG = "bottom-up-change"


async def test_create_from_the_example_and_the_api_serves_it(api: TestApi, cli: Cli) -> None:
    done = await cli("create", text=example())
    assert (done.code, done.err) == (0, "")
    assert done.out == f"Created challenge {SLUG} (3 phases, 2 prompts).\n"

    body = (await api.http.get(f"/challenges/{SLUG}")).json()
    spec = tomllib.loads(example())
    assert body["title"] == spec["title"] == "Change from the ground up"
    assert body["summary"] == spec["summary"] and body["summary"].startswith("Most change")
    assert body["themes"] == spec["themes"] and len(body["themes"]) == 7
    assert [p["name"] for p in body["phases"]] == ["Understand", "Share and prioritise",
                                                   "Develop"]
    # 09:00 British Summer Time is 08:00 UTC.
    assert body["phases"][1]["starts_at"].startswith("2027-03-29T08:00:00")
    assert body["phases"][1]["votes"] is True and body["phases"][2]["submissions"] is False
    assert [(p["kind"], p["question"]) for p in body["prompts"]] == [
        ("story", "What solutions work?"), ("idea", "What solutions should we test?")]
    # A line ending in a backslash inside """ joins the next: one paragraph.
    assert "\n" not in body["prompts"][0]["description"]


async def test_show_update_show_is_a_fixed_point(api: TestApi, cli: Cli) -> None:
    assert (await cli("create", text=example())).code == 0
    first, parsed = await shown(cli, SLUG)
    assert parsed == tomllib.loads(example())  # times in UTC now: the same instants
    before = await stored(api, SLUG)

    for text in (first, example()):  # the same challenge, written differently
        done = await cli("update", SLUG, text=text)
        assert (done.code, done.err) == (0, "")
        assert done.out == f"No change: challenge {SLUG} is as the file says.\n"
        assert await stored(api, SLUG) == before  # same row ids, same updated_at

    assert (await shown(cli, SLUG))[0] == first


def _unlike_default(name: str, info: Any) -> Any:
    """A value for a PhaseIn field other than its default, from the field's type."""
    kinds = {info.annotation} | {get_args(a)[0] if get_origin(a) is Annotated else a
                                 for a in get_args(info.annotation)}
    if bool in kinds:
        return not info.default
    if int in kinds:
        return 7
    if str in kinds:
        return f"{name} value"
    raise AssertionError(f"PhaseIn.{name}: give this test a value of type {info.annotation}")


async def test_every_phase_field_round_trips(api: TestApi, cli: Cli) -> None:
    start = datetime(2027, 6, 1, 9, 30, 15, 250_000, tzinfo=UTC)
    values = {name: _unlike_default(name, info) for name, info in PhaseIn.model_fields.items()
              if name not in ("starts_at", "ends_at")}
    values |= {"starts_at": start, "ends_at": start + 3 * DAY}
    assert set(values) == set(PhaseIn.model_fields)
    document = {"slug": "every-field", "title": "Every field",
                "prompts": [{"kind": "idea", "question": "What?"}], "phases": [values]}

    assert (await cli("create", text=dumps(document))).code == 0
    (got,) = (await shown(cli, "every-field"))[1]["phases"]
    assert got == values
    api_phase = (await api.http.get("/challenges/every-field")).json()["phases"][0]
    assert {k: api_phase[k] for k in ("name", "votes", "vote_budget")} == {
        k: values[k] for k in ("name", "votes", "vote_budget")}

    # And back: a phase written with every field is read as it was shown.
    values["name"] = "Renamed"
    document["phases"] = [values]
    document.pop("slug")
    done = await cli("update", "every-field", text=dumps(document))
    assert done.out == "Updated challenge every-field: phases.\n", done.err
    assert (await shown(cli, "every-field"))[1]["phases"] == [values]


HOSTILE = ['He said "stop".', 'three """ quotes', 'ends with a quote"', "back\\slash \\n",
           "tab\there", "line\nbreak\n\nand \"\"\" more\n", "café 東京 🧑‍⚕️", "[[phases]]",
           "\\", '"', "\n"]


async def test_hostile_text_is_stored_and_shown_exactly(api: TestApi, cli: Cli) -> None:
    words = iter(HOSTILE)
    summary = "\n".join(HOSTILE)
    spec = challenge_spec(slug="hostile", title=next(words), summary=summary,
                          themes=[t for t in HOSTILE if t.strip() and "\n" not in t])
    spec["phases"][0]["name"] = next(words)
    spec["prompts"][0]["description"] = summary
    spec["prompts"][1]["question"] = next(words)
    document = ChallengeCreate.model_validate(spec).model_dump()
    done = await cli("create", text=dumps(document))
    assert done.code == 0, done.err

    text, parsed = await shown(cli, "hostile")
    assert "\x1b" not in text
    body = (await api.http.get("/challenges/hostile")).json()
    assert parsed["summary"] == body["summary"] == summary
    assert parsed["title"] == body["title"] == HOSTILE[0]
    assert parsed["themes"] == body["themes"] == spec["themes"]
    assert parsed["phases"][0]["name"] == HOSTILE[1]
    assert parsed["prompts"][0]["description"] == summary
    assert parsed["prompts"][1]["question"] == HOSTILE[2]

    before = await stored(api, "hostile")
    again = await cli("update", "hostile", text=text)
    assert again.out.startswith("No change"), again.err
    assert await stored(api, "hostile") == before


async def test_update_changes_phases_and_the_running_server_shows_them(
        api: TestApi, cli: Cli) -> None:
    await api.challenge()  # through the API: "Understand", then "Share and prioritise"
    _, parsed = await shown(cli, "change")
    assert parsed["phases"][1]["name"] == "Share and prioritise"
    now = datetime.now(UTC).replace(microsecond=0)
    parsed["phases"] = [phase("Vote", -DAY, 2 * DAY, now, votes=True, vote_budget=3),
                        phase("Develop", 3 * DAY, 10 * DAY, now, comments=True)]
    for p in parsed["phases"]:
        p["starts_at"], p["ends_at"] = (datetime.fromisoformat(p[k]) for k in
                                        ("starts_at", "ends_at"))
    parsed["title"] = "Bottom-up change, second round"

    done = await cli("update", "change", text=dumps(parsed))
    assert (done.code, done.err) == (0, "")
    assert done.out == "Updated challenge change: title, phases.\n"
    body = (await api.http.get("/challenges/change")).json()
    assert body["title"] == "Bottom-up change, second round"
    assert [p["name"] for p in body["phases"]] == ["Vote", "Develop"]
    assert body["current_phase"]["name"] == "Vote"
    assert body["current_phase"]["vote_budget"] == 3
    assert datetime.fromisoformat(body["phases"][1]["starts_at"]) == now + 3 * DAY


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_running_server_posts_by_new_phases_within_its_cache_time(
        api: TestApi, app: FastAPI, cli: Cli, settings: Settings) -> None:
    """On SQLite the command cannot reach a server's memory: a worker that read the
    phases in the last CHALLENGE_CACHE_SECONDS keeps them until then, then reads the
    change. On PostgreSQL the command's commit tells every server: at once."""
    ticks = Ticks()
    services = app.state.services
    services.challenges = Challenges(2.0, clock=ticks)
    await api.challenge()
    who = await api.person()
    await api.submit(who)  # the phases are now in this worker's cache

    _, parsed = await shown(cli, "change")
    for p in parsed["phases"]:
        p["submissions"] = False
    assert (await cli("update", "change", text=dumps(parsed))).code == 0

    if settings.is_sqlite:
        await api.submit(who, title="Still in the old phase")  # within the cache time
        ticks.now = 2.0
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": "Too late", "body": "Closed.", "themes": []})
    assert problem(r, 403)["type"] == "/problems/phase-closed"


async def test_update_from_standard_input(api: TestApi, cli: Cli,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    assert (await cli("create", text=example())).code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(edited(
        example(), 'title = "Change from the ground up"', 'title = "From stdin"')))
    done = await cli("update", SLUG, "--file", "-")
    assert done.out == f"Updated challenge {SLUG}: title.\n", done.err
    assert (await api.http.get(f"/challenges/{SLUG}")).json()["title"] == "From stdin"


async def test_update_leaves_out_keys_the_file_leaves_out(api: TestApi, cli: Cli) -> None:
    assert (await cli("create", text=example())).code == 0
    done = await cli("update", SLUG, text='moderation = "pre"\n')
    assert done.out == f"Updated challenge {SLUG}: moderation.\n", done.err
    body = (await api.http.get(f"/challenges/{SLUG}")).json()
    assert body["moderation"] == "pre"
    assert len(body["phases"]) == 3 and body["title"] == "Change from the ground up"


async def test_list_shows_each_challenge_with_its_phase_now(api: TestApi, cli: Cli) -> None:
    await api.challenge()  # its second phase is open
    later = datetime.now(UTC) + 30 * DAY
    hostile = "\x1b[2J A very long title that goes on and on past forty characters"
    await api.challenge(slug="later", title=hostile,
                        phases=[phase("Soon", 30 * DAY, 40 * DAY)])
    await api.challenge(slug="bare", phases=[])

    done = await cli("list")
    assert done.code == 0, done.err
    header, change, soon, bare = done.out.splitlines()
    assert header.split() == ["SLUG", "TITLE", "PHASE", "NOW", "UNTIL", "OPENS", "CLOSES"]
    assert change.startswith("change ") and "Share and prioritise" in change
    ends = (datetime.now(UTC) + 5 * DAY).strftime("%Y-%m-%d")
    assert ends in change
    assert soon.split()[0] == "later" and "(not started)" in soon
    assert later.strftime("%Y-%m-%d") in soon
    assert "\x1b" not in done.out and "…" in soon
    assert bare.split()[0] == "bare" and "(no phases)" in bare
    # One column each: every row's cells start where the header's do.
    assert soon.index("(not started)") == header.index("PHASE NOW") == change.index("Share")


async def test_an_unknown_slug_is_exit_1(api: TestApi, cli: Cli) -> None:
    text = edited(example(), f'slug = "{SLUG}"\n', "")  # an update file needs no slug
    done = await cli("update", "no-such", text=text)
    assert (done.code, done.out) == (1, "")
    assert done.err == "change-challenge: no challenge has the slug no-such\n"
    done = await cli("show", "no-such")
    assert (done.code, done.err) == (1, "change-challenge: no challenge has the slug no-such\n")
    assert await stored(api, "no-such") is None


async def test_a_usage_mistake_is_exit_2(cli: Cli) -> None:
    done = await cli("create")
    assert done.code == 2 and "--file" in done.err
    done = await cli("create", "--file", "/no/such/file.toml")
    assert (done.code, done.err) == (2, "change-challenge: /no/such/file.toml: cannot read "
                                        "the file: No such file or directory\n")


def test_the_example_explains_every_field() -> None:
    text = example()
    for name in [*ChallengeCreate.model_fields, *PhaseIn.model_fields, *PromptIn.model_fields]:
        # Written (or, for an optional one, shown commented out) for the reader to see.
        assert any(f"\n{form}" in text for form in (f"{name} = ", f"# {name} = ",
                                                     f"[[{name}]]")), name
