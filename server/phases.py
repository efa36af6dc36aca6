"""Which phase is current, and what it allows: the server clock decides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from server.problems import PHASE_CLOSED, ProblemError
from server.tables import PhaseRow

Activity = Literal["submissions", "comments", "votes", "develop", "pairwise"]

_VERBS = {"submissions": "submit or edit", "comments": "comment", "votes": "vote",
          "develop": "work on the guide (edit, pledge or comment)",
          "pairwise": "compare submissions two at a time"}


def current_phase(phases: Sequence[PhaseRow], now: datetime) -> PhaseRow | None:
    for phase in phases:
        if phase.starts_at <= now < phase.ends_at:
            return phase
    return None


def require(phases: Sequence[PhaseRow], now: datetime, activity: Activity) -> PhaseRow:
    """The current phase if it allows ``activity``; otherwise a 403 phase-closed problem."""
    phase = current_phase(phases, now)
    if phase is not None and getattr(phase, activity):
        return phase
    if phase is None:
        upcoming = [p for p in phases if p.starts_at > now]
        when = ""
        if upcoming:
            when = (f" The next phase, {upcoming[0].name!r}, starts "
                    f"{upcoming[0].starts_at:%Y-%m-%d %H:%M} UTC.")
        detail = f"No phase of this challenge is open, so you cannot {_VERBS[activity]}.{when}"
    else:
        detail = f"The {phase.name!r} phase does not allow you to {_VERBS[activity]}."
    raise ProblemError(403, detail, type=PHASE_CLOSED, title="Phase closed")


def counts_visible(phases: Sequence[PhaseRow], now: datetime) -> bool:
    """Whether anyone sees vote counts (and what is derived from them: scores, orders by
    score, staff groups' figures) now. While the current phase hides them, nobody does,
    moderators and admins included; only ``POST /moderation/reveal-counts``, written to
    the audit log, shows them (issue 15)."""
    phase = current_phase(phases, now)
    return phase is None or phase.show_counts
