"""The assembled guide: chapters by theme, its order and its publication, and undoing a
facilitator's reorder or (un)publication.

The guide holds the entries that are in it (not removed) and not hidden: an entry whose
latest edit is held for a moderator (suspected personal data) is shown as it was before
that edit, marked, so a slip in one edit does not take a solution out of the guide or
its export; chapters follow the challenge's themes, then any other theme an entry has,
then entries without one; entries keep the facilitators' order within a chapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from client.guide_models import Guide, GuideChapter, GuideEntry, SourceRef
from client.models import FieldError
from server.guide_access import Access
from server.guide_sources import lock_challenge
from server.guide_tables import GuideEntryRow, GuidePublicationRow, GuideVersionRow
from server.guide_views import render_entries
from server.moderation import conflict
from server.problems import VALIDATION, ProblemError
from server.routes.submissions import held_for_personal_data
from server.tables import ModerationActionRow, UserRow

E = GuideEntryRow


async def publication(session: AsyncSession, challenge_id: int, *,
                      lock: bool = False) -> GuidePublicationRow | None:
    query = select(GuidePublicationRow).where(GuidePublicationRow.challenge_id == challenge_id)
    return (await session.execute(query.with_for_update() if lock else query)
            ).scalar_one_or_none()


def chapters(entries: Sequence[GuideEntry], themes: Sequence[str]) -> list[GuideChapter]:
    order: list[str | None] = list(themes)
    order += [t for t in dict.fromkeys(e.theme for e in entries) if t not in order]
    if None not in order:
        order.append(None)
    found = [GuideChapter(theme=theme, entries=[e for e in entries if e.theme == theme])
             for theme in order]
    return [c for c in found if c.entries]


async def before_the_hold(session: AsyncSession, row: GuideEntryRow) -> GuideEntryRow | None:
    """A held entry as it was in its latest version without suspected personal data
    (detached: nothing here is written back), or None when it never had one."""
    versions = (await session.execute(
        select(GuideVersionRow).where(GuideVersionRow.entry_id == row.id)
        .order_by(GuideVersionRow.version.desc()))).scalars()
    clean = next((v for v in versions if held_for_personal_data(v.title, v.body) is None),
                 None)
    if clean is None:
        return None
    session.expunge(row)
    row.title, row.body, row.mod_reason = clean.title, clean.body, None
    return row


async def assemble(session: AsyncSession, access: Access) -> Guide:
    found = (await session.execute(
        select(E).where(E.challenge_id == access.challenge.id, E.removed_at.is_(None),
                        E.mod_status.in_(("published", "pending")))
        .order_by(E.position, E.id))).scalars().all()
    rows = [row if row.mod_status == "published" else await before_the_hold(session, row)
            for row in found]
    entries = await render_entries(session, [r for r in rows if r is not None], access)
    sources: dict[int, SourceRef] = {}
    for entry in entries:
        for ref in entry.source_refs:
            sources.setdefault(ref.id, ref)
    pub = await publication(session, access.challenge.id)
    return Guide(challenge=access.challenge.slug, title=access.challenge.title,
                 published=bool(pub and pub.published),
                 published_at=pub.published_at if pub and pub.published else None,
                 chapters=chapters(entries, access.challenge.themes),
                 sources=list(sources.values()))


async def live_positions(session: AsyncSession, challenge_id: int) -> dict[int, int]:
    """Entry id -> position of the entries in the guide, in guide order."""
    return dict((await session.execute(
        select(E.id, E.position).where(E.challenge_id == challenge_id, E.removed_at.is_(None))
        .order_by(E.position, E.id))).all())


def check_order(wanted: Sequence[int], live: Sequence[int]) -> None:
    """422 unless ``wanted`` names every entry in the guide once, and nothing else."""
    errors = []
    seen: set[int] = set()
    for i, ident in enumerate(wanted):
        if ident in seen:
            errors.append(FieldError(field=f"entries.{i}", message=f"entry {ident} is listed "
                                                                   "twice"))
        elif ident not in live:
            errors.append(FieldError(field=f"entries.{i}",
                                     message=f"entry {ident} is not in this guide"))
        seen.add(ident)
    missing = [e for e in live if e not in seen]
    if missing:
        errors.append(FieldError(field="entries", message="missing entries: " + ", ".join(
            str(m) for m in missing)))
    if errors:
        raise ProblemError(422, "List every entry of the guide once, in the order wanted.",
                           type=VALIDATION, errors=errors)


async def set_positions(session: AsyncSession, positions: dict[int, int]) -> None:
    for ident, position in positions.items():
        await session.execute(update(E).where(E.id == ident).values(position=position)
                              .execution_options(synchronize_session=False))


def _refuse(messages: list[str]) -> Exception:
    return conflict([FieldError(field="action", message=m) for m in messages], undo=True)


async def undo_order(session: AsyncSession, action: ModerationActionRow,
                     now: datetime) -> None:
    record: dict[str, Any] = action.undo
    await lock_challenge(session, int(record["challenge"]))
    current = await live_positions(session, int(record["challenge"]))
    moved = [f"entry {ident} moved or left the guide since action {action.id}"
             for ident, position in record["after"] if current.get(int(ident)) != position]
    if moved:
        raise _refuse(moved)
    await set_positions(session, {int(i): int(p) for i, p in record["before"]})


async def undo_publish(session: AsyncSession, action: ModerationActionRow, moderator: UserRow,
                       now: datetime) -> None:
    record: dict[str, Any] = action.undo
    await lock_challenge(session, int(record["challenge"]))  # as publishing does, first
    pub = await publication(session, int(record["challenge"]), lock=True)
    if pub is None or pub.published != record["after"]["published"]:
        raise _refuse([f"the guide's publication changed since action {action.id}"])
    before = record["before"]
    pub.published = bool(before["published"])
    pub.published_at = (datetime.fromisoformat(before["published_at"])
                        if before["published_at"] else None)
    pub.updated_by, pub.updated_at = moderator.id, now
