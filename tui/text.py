"""Untrusted text on screen: never markup, never terminal control sequences.

Everything a user or the server typed reaches a widget through these helpers,
which return ``Content`` (never parsed as markup) with escape sequences removed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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


def author_name(name: str | None, anonymous: bool, mark: str = "anonymous") -> str:
    """Who wrote something, as this viewer may see it: "Anonymous", or (to moderators,
    who are sent an anonymous author's name) the name marked, so that a moderator never
    mistakes it for what others see."""
    if name is None:
        return "Anonymous"
    return f"{name} ({mark})" if anonymous else name


# The server names a moment in its messages (a decision that came first) in UTC, ISO.
_UTC_STAMP = re.compile(r"(?:\bat )?\b(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z")


def local_time(when: datetime, now: datetime) -> str:
    """``when`` in this machine's time zone, as a person says it: 'today at 14:03',
    'yesterday at 09:15', 'on 3 Nov at 17:40', 'on 3 Nov 2025 at 17:40'."""
    here, today = when.astimezone(), now.astimezone().date()
    clock_time = f"{here:%H:%M}"
    if here.date() == today:
        return f"today at {clock_time}"
    if here.date() == today - timedelta(days=1):
        return f"yesterday at {clock_time}"
    year = f" {here.year}" if here.year != today.year else ""
    return f"on {here.day} {here:%b}{year} at {clock_time}"


def local_times(text: str, now: datetime) -> str:
    """``text`` with the server's UTC timestamps ('by Rachel at 2026-11-26T09:03:00Z')
    said in local time ('by Rachel today at 09:03')."""
    def said(match: re.Match[str]) -> str:
        try:
            year, month, day, hour, minute, second = map(int, match.groups())
            moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            return match.group(0)  # not a real date: left as it was
        return local_time(moment, now)

    return _UTC_STAMP.sub(said, text)


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
