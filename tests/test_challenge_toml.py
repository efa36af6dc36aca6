"""The set-up file's own TOML emitter, read back by ``tomllib``, and how mistakes are
placed on lines (server/challenge_toml.py): no database."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.challenge_toml import FileMistakes, _code_lines, dumps, locate, parse, path

HOSTILE = [
    "", " ", '"', '""', '"""', '""""', '"""""', 'ends with a quote"', 'ends with two""',
    "back\\slash", "\\", "\\n is not a line break", "trailing backslash \\",
    "line\nbreak", "\n", "\nstarts with a line break", "ends with one\n", "\n\n\n",
    "tab\there", "\t", 'mixed """\n\\"\n"', "'''single'''", "#not a comment",
    "[[phases]]", "name = \"x\"", "crlf\r\nline", "cr\ronly", "nul \x00 esc \x1b del \x7f",
    "csi \x9b31m", "unicode: café, 東京, 🧑‍⚕️, \u200d, \ufeff", "\u2028\u2029",
    'x = """\ny"""', "}{][", "=",
]


def roundtrip(value: Any) -> Any:
    return tomllib.loads(dumps({"v": value}))["v"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_come_back_exactly(text: str) -> None:
    assert roundtrip(text) == text
    assert roundtrip([text, "other"]) == [text, "other"]
    table = tomllib.loads(dumps({"rows": [{"a": text, "b": text}]}))
    assert table == {"rows": [{"a": text, "b": text}]}


@given(st.text(st.characters(exclude_categories=["Cs"])))  # UTF-8 cannot carry surrogates
def test_any_text_comes_back_exactly(text: str) -> None:
    assert roundtrip(text) == text
    assert roundtrip(text + "\n" + text) == text + "\n" + text


def test_no_control_character_is_written_raw() -> None:
    # ``show`` prints to a terminal: a stored ESC or CSI must not reach it as one.
    text = "a\x1bb\x9bc\x07d\ne\tf \u202eevil\u202c \u2028"
    written = dumps({"v": text})
    assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in written)
    assert "\u202e" not in written and "\\u202E" in written and "\u2028" not in written
    assert tomllib.loads(written)["v"] == text


def test_text_with_line_breaks_is_a_multiline_string() -> None:
    written = dumps({"summary": 'One.\n\nTwo "quoted".\n'})
    assert written == 'summary = """\nOne.\n\nTwo "quoted".\n"""\n'


@pytest.mark.parametrize("moment, written", [
    (datetime(2027, 3, 1, 9, 0, tzinfo=UTC), "2027-03-01T09:00:00Z"),
    (datetime(2027, 3, 29, 9, 0, tzinfo=timezone(timedelta(hours=1))),
     "2027-03-29T09:00:00+01:00"),
    (datetime(2027, 1, 1, 0, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
     "2027-01-01T00:00:00.123456-05:30"),
])
def test_date_times_keep_their_offset(moment: datetime, written: str) -> None:
    assert dumps({"t": moment}) == f"t = {written}\n"
    back = roundtrip(moment)
    assert back == moment and back.utcoffset() == moment.utcoffset()


def test_a_naive_date_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone offset"):
        dumps({"t": datetime(2027, 1, 1)})


def test_a_document_of_the_set_up_shape() -> None:
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    document = {"slug": "s", "count": 3, "flag": False, "missing": None, "one": ["x"],
                "none": [], "odd key": True,
                "phases": [{"name": "a", "starts_at": moment, "budget": None},
                           {"name": "b", "starts_at": moment, "budget": 2}],
                "prompts": [{"kind": "story"}]}
    written = dumps(document, comment="first\nsecond")
    assert written.startswith("# first\n# second\nslug = ")
    assert written.count("[[phases]]") == 2 and written.count("[[prompts]]") == 1
    expected = {k: v for k, v in document.items() if v is not None}
    expected["phases"] = [{"name": "a", "starts_at": moment},
                          {"name": "b", "starts_at": moment, "budget": 2}]
    assert tomllib.loads(written) == expected


def test_a_syntax_error_names_its_line_and_column() -> None:
    with pytest.raises(FileMistakes) as caught:
        parse('slug = "a"\ntitle = "unterminated\n')
    (mistake,) = caught.value.mistakes
    assert mistake.line == 2
    assert mistake.render("f.toml").startswith("f.toml:2: not valid TOML: ")
    assert "(column" in mistake.message


SOURCE = '''slug = "s"
title = "T"
themes = ["a",
  "b"]

[[phases]]
name = "one"
description = """
[[phases]]
name = "not a key"
"""

[[phases]]
# a comment with [[phases]]
name = "two"
ends_at = 2027-01-01T00:00:00Z

[[prompts]]
kind = "story"
'''


@pytest.mark.parametrize("loc, line", [
    (("title",), 2),
    (("themes", 1), 3),
    (("phases", 0, "name"), 7),
    (("phases", 1, "name"), 15),  # not the lines inside the multi-line string
    (("phases", 1, "ends_at"), 16),
    (("phases", 1, "starts_at"), 13),  # missing: its table's header
    (("phases",), 6),
    (("prompts", 0, "question"), 18),
    (("summary",), None),  # not written anywhere
    (("phases", 5, "name"), None),
])
def test_mistakes_are_placed_on_the_line_of_their_key(loc: tuple[str | int, ...],
                                                      line: int | None) -> None:
    assert locate(_code_lines(SOURCE), loc) == line


def test_paths_read_as_toml() -> None:
    assert path(("phases", 2, "ends_at")) == "phases[2].ends_at"
    assert path(("themes", 0)) == "themes[0]"
    assert path(()) == ""
