"""Blank means blank as a person sees it; invisible marks are not stored (client/text.py)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.text import VISIBLE_PATTERN, clean_text, is_blank
from server.app import create_app
from server.config import Settings
from tests.support import TestApi, problem

# The examples: each looks like nothing at all.
INVISIBLE = ["\u200b", "\u3164", "\u2800", "\u00ad", "\ufeff", "\u200d", "\u200c", "\u2060",
             "\u200e\u200f\u061c", "\ufe0f", "\U000e0041", "\u115f\u1160\uffa0", " \u3000\u00a0"]
# Removed from stored text: they only hide, or make look-alike texts differ.
REMOVED = "\u200b\u200e\u200f\u061c\u2060\u2061\ufeff\ufff9\u202e\u2066"
# Prepended concatenation marks are format characters that are printed.
PRINTED_FORMAT = {0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890,
                  0x0891, 0x08E2, 0x110BD, 0x110CD}


def unwanted(char: str) -> bool:
    """The removal rule, written out: controls but tab and newline, marks, overrides."""
    cp = ord(char)
    return (cp < 0x20 and char not in "\t\n") or 0x7F <= cp <= 0x9F or 0xD800 <= cp <= 0xDFFF \
        or 0x202A <= cp <= 0x202E or 0x2060 <= cp <= 0x206F or 0xFFF9 <= cp <= 0xFFFB \
        or char in "\u061c\u200b\u200e\u200f\ufeff"


def invisible(char: str) -> bool:
    return is_blank(char)


def test_every_control_format_and_space_character_is_invisible() -> None:
    # Checked against this Python's Unicode data, so a table that misses one shows here.
    missed = [f"U+{cp:04X}" for cp in range(0x110000)
              if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")
              and cp not in PRINTED_FORMAT and not invisible(chr(cp))]
    assert missed == []
    assert not any(invisible(chr(cp)) for cp in PRINTED_FORMAT)


@given(st.text())
def test_clean_text_removes_only_the_unwanted(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not any(c in cleaned for c in REMOVED)
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    assert cleaned == "".join(c for c in expected if not unwanted(c))


@given(st.lists(st.sampled_from(INVISIBLE)).map("".join),
       st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Zs", "Zl", "Zp",
                                                        "Co", "Cn", "Mn")))
def test_blank_is_what_a_person_sees(padding: str, letter: str) -> None:
    assert is_blank(padding) and is_blank(clean_text(padding))
    if letter not in ("\u2800", "\u3164", "\u115f", "\u1160", "\uffa0"):
        assert not is_blank(padding + letter + padding)
    # The document's pattern says the same as the validator.
    assert (re.search(VISIBLE_PATTERN, padding + letter) is None) == is_blank(padding + letter)


def test_the_document_says_not_blank() -> None:
    schemas = create_app(Settings()).openapi()["components"]["schemas"]
    for model, field in [("SubmissionCreate", "title"), ("SubmissionCreate", "body"),
                         ("CommentCreate", "body"), ("RegisterRequest", "display_name"),
                         ("ChallengeCreate", "title")]:
        pattern = schemas[model]["properties"][field]["pattern"]
        assert re.search(pattern, "\u200b\u3164\u2800\u00ad\ufeff") is None, (model, field)
        assert re.search(pattern, "\u200bx") is not None


@pytest.mark.parametrize("text", INVISIBLE)
async def test_invisible_titles_bodies_and_comments_are_blank(api: TestApi, text: str) -> None:
    await api.challenge()
    who = await api.person()
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": text, "body": f"b{text}"})
    assert {e["field"] for e in problem(r, 422)["errors"]} == {"title"}
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": "t", "body": text * 3})
    assert problem(r, 422)["errors"] == [{"field": "body", "message": "must not be blank"}]
    made = await api.submit(who)
    r = await api.http.post(f"/submissions/{made['id']}/comments", headers=who.headers,
                            json={"body": text})
    assert problem(r, 422)["errors"] == [{"field": "body", "message": "must not be blank"}]
    r = await api.http.patch(f"/submissions/{made['id']}", headers=who.headers,
                             json={"title": text})
    assert problem(r, 422)["errors"] == [{"field": "title", "message": "must not be blank"}]
    r = await api.http.post("/auth/register", json={
        "email": "new@example.org", "display_name": text, "password": "long enough"})
    assert problem(r, 422)["errors"] == [{"field": "display_name",
                                         "message": "must not be blank"}]


async def test_invisible_marks_are_removed_and_joiners_kept(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    made = await api.submit(who, title="Rota\u200b swaps\ufeff\u200e\u200f\u061c\u2060",
                            body="\u200fمی\u200cخواهم 🧑\u200d⚕️ ❤️ Tea\u00adbreak")
    got = (await api.http.get(f"/submissions/{made['id']}")).json()
    assert got["title"] == "Rota swaps"
    # ZWNJ (Persian), ZWJ (emoji sequence), variation selector and soft hyphen stay.
    assert got["body"] == "می\u200cخواهم 🧑\u200d⚕️ ❤️ Tea\u00adbreak"
