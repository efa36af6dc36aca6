"""Untrusted text on screen: never markup, never terminal control sequences.

Everything a user or the server typed reaches a widget through these helpers,
which return ``Content`` (never parsed as markup) with escape sequences removed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from textual.content import Content

from client.text import clean_text

# ESC-introduced sequences (CSI, OSC, and single-character escapes), then any
# control characters left (clean_text keeps tab and newline).
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])?")


def plain(text: str | None) -> str:
    """``text`` with escape sequences, control characters and bidi overrides removed."""
    return clean_text(_ESCAPES.sub("", text or ""))


def safe(text: str | None, style: str = "") -> Content:
    """Untrusted text as Content: shown literally, whatever brackets it holds."""
    return Content.styled(plain(text), style) if style else Content(plain(text))


def one_line(text: str | None, style: str = "") -> Content:
    return safe(" ".join(plain(text).split()), style)


def time_left(ends_at: datetime, now: datetime) -> str:
    """'5 days 3 h left', '2 h 10 min left', '4 min left', or 'ended'."""
    left = ends_at - now
    if left <= timedelta(0):
        return "ended"
    days, seconds = left.days, left.seconds
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h left"
    if hours:
        return f"{hours} h {minutes} min left"
    return f"{max(minutes, 1)} min left"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def ago(when: datetime, now: datetime) -> str:
    seconds = int((now - when).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"
