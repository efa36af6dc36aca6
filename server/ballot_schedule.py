"""When a challenge's ballot log is due: a segment is published for each run of voting
(phases allowing votes or pairwise, back to back) once it has ended, no voting phase is
current and counts are not hidden; the first request that asks publishes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from server.phases import current_phase
from server.tables import PhaseRow


@dataclass(frozen=True)
class Run:
    """Voting phases that follow one another without a gap: one segment's worth."""

    starts_at: datetime
    ends_at: datetime
    names: tuple[str, ...]


def _voting(phase: PhaseRow) -> bool:
    return bool(phase.votes or phase.pairwise)


def voting_runs(phases: Sequence[PhaseRow]) -> list[Run]:
    runs: list[Run] = []
    for phase in sorted((p for p in phases if _voting(p)), key=lambda p: p.starts_at):
        if runs and phase.starts_at <= runs[-1].ends_at:
            last = runs[-1]
            runs[-1] = Run(last.starts_at, max(last.ends_at, phase.ends_at),
                           (*last.names, phase.name))
        else:
            runs.append(Run(phase.starts_at, phase.ends_at, (phase.name,)))
    return runs


def due(phases: Sequence[PhaseRow], now: datetime,
        last_closed: datetime | None) -> Run | None:
    """What the next segment covers (the runs ended since ``last_closed``, as one:
    their closing time is the latest), or None when nothing is due now."""
    current = current_phase(phases, now)
    if current is not None and (_voting(current) or not current.show_counts):
        return None  # voting, or counts hidden: nothing may be published yet
    ended = [r for r in voting_runs(phases)
             if r.ends_at <= now and (last_closed is None or r.ends_at > last_closed)]
    if not ended:
        return None
    names = tuple(name for run in ended for name in run.names)
    return Run(ended[0].starts_at, ended[-1].ends_at, names)


def next_closing(phases: Sequence[PhaseRow], now: datetime) -> datetime | None:
    """When the next run of voting that has not ended yet ends."""
    upcoming = [r.ends_at for r in voting_runs(phases) if r.ends_at > now]
    return min(upcoming) if upcoming else None
