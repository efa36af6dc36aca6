"""Creating and changing a challenge, its phases and prompts: one implementation for the
API (``POST`` / ``PATCH /challenges``) and for ``change-challenge admin challenge``.

Phase and prompt rows are built from the request models' fields (``PhaseIn``,
``PromptIn``), so a field added to a model and to its table needs nothing here. The
caller owns the transaction: these functions add and change rows in ``session`` and
never commit, so a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import ChallengeCreate, ChallengeUpdate, FieldError, PhaseIn, PromptIn
from server import live_record
from server.problems import ProblemError
from server.queries import phases_of
from server.tables import ChallengeRow, PhaseRow, PromptRow

#: The challenge's own columns each request sets (the lists are rows of their own).
_LISTS = ("phases", "prompts")
_CREATE = tuple(name for name in ChallengeCreate.model_fields if name not in _LISTS)
_UPDATE = tuple(name for name in ChallengeUpdate.model_fields if name not in _LISTS)


def slug_taken(slug: str) -> ProblemError:
    return ProblemError(409, f"A challenge with the slug {slug!r} exists.",
                        errors=[FieldError(field="slug", message="already taken")])


def unique_themes(themes: list[str], field: str = "themes") -> list[str]:
    """The themes as stored: trimmed; two that differ only in case are one too many."""
    seen: dict[str, str] = {}
    for theme in themes:
        seen.setdefault(theme.strip().casefold(), theme.strip())
    if len(seen) != len(themes):
        raise ProblemError(422, "Themes must be unique.",
                           errors=[FieldError(field=field, message="duplicate theme")])
    return list(seen.values())


def _stored(name: str, value: Any) -> Any:
    """A scalar field's value as the challenges table keeps it."""
    if name == "title":
        return value.strip()
    if name == "themes":
        return unique_themes(value)
    return value


def _phase_values(phases: Sequence[PhaseIn]) -> list[dict[str, Any]]:
    # Kept in time order: the position is the order the phases run in.
    return [p.model_dump() for p in sorted(phases, key=lambda p: p.starts_at)]


def _prompt_values(prompts: Sequence[PromptIn]) -> list[dict[str, Any]]:
    return [p.model_dump() for p in prompts]


def row_values(rows: Sequence[PhaseRow] | Sequence[PromptRow],
               model: type[PhaseIn] | type[PromptIn]) -> list[dict[str, Any]]:
    """Stored phase or prompt rows as the request model's fields, in position order."""
    return [{name: getattr(row, name) for name in model.model_fields} for row in rows]


async def prompts_of(session: AsyncSession, challenge_id: int) -> Sequence[PromptRow]:
    return (await session.execute(
        select(PromptRow).where(PromptRow.challenge_id == challenge_id)
        .order_by(PromptRow.position))).scalars().all()


async def create(session: AsyncSession, body: ChallengeCreate, now: datetime) -> ChallengeRow:
    """A new challenge with its phases and prompts; 409 when the slug is taken."""
    values = {name: _stored(name, getattr(body, name)) for name in _CREATE}
    challenge = ChallengeRow(**values, created_at=now, updated_at=now)
    session.add(challenge)
    try:
        await session.flush()
    except IntegrityError:
        raise slug_taken(body.slug) from None
    _add_rows(session, challenge.id, _phase_values(body.phases), _prompt_values(body.prompts))
    return challenge


async def update(session: AsyncSession, challenge: ChallengeRow, body: ChallengeUpdate,
                 now: datetime) -> list[str]:
    """Apply the fields ``body`` gives; the names of those that changed, in the model's
    order. A field given with the value it has is left alone: the phase and prompt rows
    keep their ids, and ``updated_at`` moves only when something changed."""
    changed: list[str] = []
    for name in _UPDATE:
        given = getattr(body, name)
        if given is None:
            continue
        value = _stored(name, given)
        if getattr(challenge, name) != value:
            setattr(challenge, name, value)
            changed.append(name)
    if body.phases is not None:
        phases = _phase_values(body.phases)
        if row_values(await phases_of(session, challenge.id), PhaseIn) != phases:
            await session.execute(delete(PhaseRow).where(PhaseRow.challenge_id == challenge.id))
            _add_rows(session, challenge.id, phases, [])
            changed.append("phases")
    if body.prompts is not None:
        prompts = _prompt_values(body.prompts)
        if row_values(await prompts_of(session, challenge.id), PromptIn) != prompts:
            await session.execute(
                delete(PromptRow).where(PromptRow.challenge_id == challenge.id))
            _add_rows(session, challenge.id, [], prompts)
            changed.append("prompts")
    if changed:
        challenge.updated_at = now
    if "phases" in changed:
        await live_record.phases(session, challenge, now)
    return changed


def _add_rows(session: AsyncSession, challenge_id: int, phases: list[dict[str, Any]],
              prompts: list[dict[str, Any]]) -> None:
    session.add_all([PhaseRow(challenge_id=challenge_id, position=i, **values)
                     for i, values in enumerate(phases)])
    session.add_all([PromptRow(challenge_id=challenge_id, position=i, **values)
                     for i, values in enumerate(prompts)])
