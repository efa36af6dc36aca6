"""What the challenge's current phase lets a person do, and when what it does not
opens: said before a form is opened, not after the server refuses what was written.

Plain logic (no widgets). The server's clock decides in the end; this reads the
phases the server sent against the local clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from tui.text import plain

if TYPE_CHECKING:  # annotations only: the challenge screen must not load pydantic early
    from client.models import Challenge, Phase

Activity = Literal["submissions", "comments", "votes", "develop"]
VERBS: dict[Activity, str] = {"submissions": "Posting", "comments": "Commenting",
                              "votes": "Voting", "develop": "Working on the guide"}


REFRESH_EVERY = timedelta(minutes=3)  # how stale an open app's phases may get
RETRY = timedelta(seconds=30)  # after a failed ask, or while one is on its way


def current(challenge: Challenge, now: datetime) -> Phase | None:
    return next((p for p in challenge.phases if p.starts_at <= now < p.ends_at), None)


def shown(challenge: Challenge, now: datetime) -> Phase | None:
    """The phase the countdown is about: the one open now, else the next to open, else
    the last (which has ended); None without phases."""
    ordered = sorted(challenge.phases, key=lambda p: p.starts_at)
    return (current(challenge, now) or next((p for p in ordered if p.starts_at > now), None)
            or (ordered[-1] if ordered else None))


def next_look(challenge: Challenge, now: datetime) -> datetime:
    """When to ask for the challenge again: as the next phase starts or ends (what it
    allows changes then, and an admin may have moved it), or in a few minutes."""
    later = now + REFRESH_EVERY
    changes = [m for p in challenge.phases for m in (p.starts_at, p.ends_at) if m > now]
    return min([*changes, later])


def when(moment: datetime, now: datetime) -> str:
    """A time as a person reads it, in their own time zone: 'Mon 2 Dec at 09:00'
    (with the year when it is not this one)."""
    local = moment.astimezone()
    year = f" {local.year}" if local.year != now.astimezone().year else ""
    return f"{local:%a} {local.day} {local:%b}{year} at {local:%H:%M}"


def refusal(challenge: Challenge | None, activity: Activity, now: datetime) -> str | None:
    """None when the phase open now allows ``activity``; else why not, and when it
    opens next (if it does)."""
    if challenge is None:
        return None  # not known here: the server decides
    phase = current(challenge, now)
    if phase is not None and getattr(phase, activity):
        return None
    verb = VERBS[activity]
    if phase is None:
        said = f"{verb} is closed: no phase of this challenge is open now."
    else:
        said = (f"{verb} is closed in the {plain(phase.name)!r} phase "
                f"(until {when(phase.ends_at, now)}).")
    upcoming = next((p for p in sorted(challenge.phases, key=lambda p: p.starts_at)
                     if p.starts_at > now and getattr(p, activity)), None)
    if upcoming is None:
        return f"{said} It does not open again in this challenge."
    return (f"{said} It opens in the {plain(upcoming.name)!r} phase, "
            f"{when(upcoming.starts_at, now)}.")


def allows(challenge: Challenge | None, activity: Activity, now: datetime) -> bool:
    return refusal(challenge, activity, now) is None
