"""The challenge set-up file: TOML in the shape of ``ChallengeCreate``, read and written.

Reading is ``tomllib``'s. Writing is this module's own emitter, small because the shape
is fixed: top-level keys with strings, booleans, integers, offset date-times and arrays
of strings, then arrays of flat tables (``[[phases]]``, ``[[prompts]]``). Strings are
TOML basic strings, multi-line (``\"\"\"``) when they hold a line break, escaped so that
``tomllib`` reads back exactly the text that was written.

Mistakes are reported by the path of the value (``phases[2].ends_at``) and, where it
can be found, the line: the Nth ``[[phases]]`` header and the key under it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SYNTAX_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")
_INVISIBLE = frozenset("\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


# --- writing ----------------------------------------------------------------------


def dumps(document: Mapping[str, Any], comment: str = "") -> str:
    """``document`` as TOML: scalars and arrays of strings first, then each list of
    mappings as an array of tables. A value of None is left out (TOML has no null)."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    tables: list[tuple[str, Sequence[Mapping[str, Any]]]] = []
    for key, value in document.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, items in tables:
        for item in items:
            lines += ["", f"[[{_key(key)}]]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in item.items() if v is not None]
    return "\n".join(lines).lstrip("\n") + "\n"


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _basic(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _multiline(value) if "\n" in value else _basic(value)
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        if len(value) < 2:
            return f"[{', '.join(_basic(v) for v in value)}]"
        return "[\n" + "".join(f"    {_basic(v)},\n" for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__} here")


def _moment(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("a date-time without a timezone offset")
    text = value.isoformat()
    return text.removesuffix("+00:00") + "Z" if offset == timedelta(0) else text


def _escaped(char: str) -> str:
    """A character of a basic string: escaped when TOML says it must be."""
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    # C1 controls, direction marks and overrides and line separators too, though TOML
    # allows them: ``show`` prints to a terminal, and an editor must show what is there.
    if code < 0x20 or 0x7F <= code <= 0x9F or char in _INVISIBLE:
        return f"\\u{code:04X}"
    return char


def _basic(text: str) -> str:
    return '"' + "".join(_escaped(c) for c in text) + '"'


def _multiline(text: str) -> str:
    """A multi-line basic string: line breaks and tabs as they are; a quote escaped only
    where it would close the string (a third in a row, or the last character)."""
    out: list[str] = []
    quotes = 0  # unescaped quotes just written
    for i, char in enumerate(text):
        if char == '"':
            if quotes == 2 or i == len(text) - 1:
                out.append('\\"')
                quotes = 0
            else:
                out.append('"')
                quotes += 1
            continue
        quotes = 0
        out.append(char if char in "\n\t" else _escaped(char))
    # The line break right after the opening quotes is not part of the string.
    return '"""\n' + "".join(out) + '"""'


# --- reading ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    line: int | None
    where: str  # the value's path (``phases[2].ends_at``), or "" for the whole file
    message: str

    def render(self, source: str) -> str:
        place = source if self.line is None else f"{source}:{self.line}"
        return f"{place}: {self.where}: {self.message}" if self.where else \
            f"{place}: {self.message}"


class FileMistakes(Exception):
    def __init__(self, mistakes: list[Mistake]) -> None:
        super().__init__("; ".join(m.message for m in mistakes))
        self.mistakes = mistakes


def parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11 gives the place only in the message: "... (at line 3, column 9)".
        message = str(exc)
        place = _SYNTAX_PLACE.search(message)
        line = int(place.group(1)) if place and place.group(1) else None
        column = f" (column {place.group(2)})" if place and place.group(2) else ""
        reason = message[:place.start()] if place else message
        raise FileMistakes([Mistake(line, "", f"not valid TOML: {reason}{column}")]) from None


def path(loc: Sequence[str | int]) -> str:
    """pydantic's location as one reads a TOML document: ``phases[2].ends_at``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def mistakes(text: str, errors: Iterable[tuple[Sequence[str | int], str]]) -> FileMistakes:
    """(location, message) pairs as mistakes with the lines they are on."""
    code = _code_lines(text)
    found = [Mistake(locate(code, loc), path(loc), message) for loc, message in errors]
    return FileMistakes(sorted(found, key=lambda m: m.line or 0))


def locate(code: list[tuple[int, str]], loc: Sequence[str | int]) -> int | None:
    """The line of the value at ``loc``: the key under the Nth ``[[name]]`` header, that
    header when the key is not written there (a missing field), or a top-level key."""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        header = re.compile(rf"\s*\[\[\s*{re.escape(loc[0])}\s*\]\]")
        starts = [i for i, (_, text) in enumerate(code) if header.match(text)]
        if loc[1] < len(starts):
            first = starts[loc[1]]
            if len(loc) >= 3 and isinstance(loc[2], str):
                for number, text in code[first + 1:]:
                    if text.lstrip().startswith("["):
                        break
                    if _defines(text, loc[2]):
                        return number
            return code[first][0]
    if loc and isinstance(loc[0], str):
        for number, text in code:
            if text.lstrip().startswith("["):
                break  # top-level keys come before the first table
            if _defines(text, loc[0]):
                return number
        if len(loc) == 1:  # the list as a whole (phases overlap): its first table
            return next((n for n, t in code if _table_name(t) == loc[0]), None)
    return None


def _defines(line: str, key: str) -> bool:
    return re.match(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=", line) is not None


def _table_name(line: str) -> str | None:
    found = re.match(r"\s*\[\[?\s*([A-Za-z0-9_-]+)\s*\]", line)
    return found.group(1) if found else None


def _code_lines(text: str) -> list[tuple[int, str]]:
    """(number, text) of each line that starts outside a string, so that a description
    holding ``[[phases]]`` or ``title =`` on a line of its own is not mistaken for TOML."""
    out: list[tuple[int, str]] = []
    inside: str | None = None  # the delimiter of a multi-line string still open
    for number, line in enumerate(text.splitlines(), 1):
        if inside is None:
            out.append((number, line))
        inside = _open_after(line, inside)
    return out


def _open_after(line: str, inside: str | None) -> str | None:
    """The multi-line string delimiter still open at the end of ``line``, if any."""
    i = 0
    while i < len(line):
        if inside is None:
            if line[i] == "#":
                return None
            for quote in ('"""', "'''", '"', "'"):
                if line.startswith(quote, i):
                    inside = quote
                    i += len(quote)
                    break
            else:
                i += 1
            continue
        if inside[0] == '"' and line[i] == "\\":
            i += 2
            continue
        if line.startswith(inside, i):
            i += len(inside)
            while len(inside) == 3 and i < len(line) and line[i] == inside[0]:
                i += 1  # up to two quotes of the text itself before the closing three
            inside = None
            continue
        i += 1
    return inside if inside is not None and len(inside) == 3 else None
