"""Phase times as an admin types and reads them: ``2027-03-01 09:00`` means 09:00 in this
machine's time zone, an offset (``+01:00``, ``Z``, ``UTC``) says otherwise, and what a
time means is said back with its offset and in UTC before anything is sent.

Plain logic (no widgets). Local time is the system's (``TZ``), daylight saving included.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

EXAMPLE = "2027-03-01 09:00"
_MOMENT = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE)


def parse(text: str) -> datetime:
    """The moment ``text`` names, with its offset; ValueError says what is accepted."""
    found = _MOMENT.match(" ".join(text.split()))
    if found is None:
        raise ValueError(f"not a date and time: write it as {EXAMPLE} (local time), "
                         f"or add an offset such as +01:00 or UTC")
    hour = int(found["hour"] or 0)
    try:
        naive = datetime.fromisoformat(found["date"]).replace(
            hour=hour, minute=int(found["minute"] or 0), second=int(found["second"] or 0))
    except ValueError as error:
        raise ValueError(f"no such date or time ({error})") from None
    zone = (found["zone"] or "").upper()
    if not zone:
        return naive.astimezone()  # this machine's zone, as it stands on that day
    if zone in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=UTC)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"no such offset: {zone}")
    sign = -1 if zone[0] == "-" else 1
    return naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))


def show(moment: datetime) -> str:
    """``moment`` as the form shows it to be edited: local time, no offset (``parse``
    reads it back as the same moment)."""
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M}" + (f":{local:%S}" if local.second else "")


def offset(moment: datetime) -> str:
    """``UTC+01:00``; ``UTC`` for no offset."""
    delta = moment.utcoffset() or timedelta()
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}"  # the year is in the field beside it


def explain(text: str) -> str:
    """What a typed time means, said back: 'Mon 1 Mar 09:00 UTC+01:00 = 08:00 UTC'
    (with the UTC day when it differs); a hint when it is not a time; '' when blank."""
    if not text.strip():
        return ""
    try:
        moment = parse(text)
    except ValueError:
        return f"? e.g. {EXAMPLE}"
    said = f"{_day(moment)} {moment:%H:%M} {offset(moment)}"
    if not moment.utcoffset():
        return said
    utc = moment.astimezone(UTC)
    day = "" if utc.date() == moment.date() else f" {utc.day} {utc:%b}"
    return f"{said} ={day} {utc:%H:%M} UTC"
