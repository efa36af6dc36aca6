"""Who may do what to a guide entry, and the facts that decide it.

* Facilitators (moderators and admins) read every entry of a challenge, held and
  hidden ones included, and change everything about it.
* An entry's lead and contributors read it always and edit its text (title, body,
  restoring a version) while the current phase allows ``develop``.
* Every signed-in participant reads the published entries while the current phase
  allows ``develop``: that is how they pledge to test one and comment on it. Once
  the challenge's guide is published, anyone reads them, signed in or not.
* Text edits, pledges and comments need a ``develop`` phase (403 phase-closed
  otherwise), for facilitators too; status, review date, lead, contributors,
  sources and theme are facilitators' alone, in any phase.

An entry a viewer may not read is a 404 when it is held or hidden (no existence
leak), and otherwise 401 (not signed in) or 403 (not yet public). A removed entry is
a 404 for everyone, facilitators too: undoing its removal (the audit log) brings it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.guide_tables import GuideContributorRow, GuideEntryRow, GuidePublicationRow
from server.phases import current_phase, require
from server.problems import ProblemError, not_found
from server.services import Services
from server.tables import ChallengeRow, PhaseRow, UserRow

FACILITATORS = ("moderator", "admin")


def is_facilitator(user: UserRow | None) -> bool:
    return user is not None and user.role in FACILITATORS


def develop_open(phases: Sequence[PhaseRow], now: datetime) -> bool:
    phase = current_phase(phases, now)
    return phase is not None and phase.develop


async def guide_published(session: AsyncSession, challenge_id: int) -> bool:
    return bool((await session.execute(
        select(GuidePublicationRow.published)
        .where(GuidePublicationRow.challenge_id == challenge_id))).scalar_one_or_none())


async def contributors_of(session: AsyncSession, entry_ids: Sequence[int]
                          ) -> dict[int, list[int]]:
    """Contributor ids per entry, in the order they were added."""
    found: dict[int, list[int]] = {e: [] for e in entry_ids}
    if entry_ids:
        for entry_id, user_id in await session.execute(
                select(GuideContributorRow.entry_id, GuideContributorRow.user_id)
                .where(GuideContributorRow.entry_id.in_(entry_ids))
                .order_by(GuideContributorRow.entry_id, GuideContributorRow.added_at,
                          GuideContributorRow.user_id)):
            found[entry_id].append(user_id)
    return found


@dataclass
class Access:
    """One viewer's standing towards the entries of one challenge."""

    viewer: UserRow | None
    challenge: ChallengeRow
    phases: Sequence[PhaseRow]
    published: bool  # the guide
    develop: bool  # the current phase allows develop

    @property
    def facilitator(self) -> bool:
        return is_facilitator(self.viewer)

    @property
    def reads_published(self) -> bool:
        """Whether this viewer reads every published entry (not only their own)."""
        return (self.facilitator or self.published
                or (self.viewer is not None and self.develop))

    def is_editor(self, entry: GuideEntryRow, contributors: Sequence[int]) -> bool:
        v = self.viewer
        return v is not None and (self.facilitator or v.id == entry.lead_id
                                  or v.id in contributors)

    def can_read(self, entry: GuideEntryRow, contributors: Sequence[int]) -> bool:
        if entry.removed_at is not None:  # gone for everyone; the audit log undoes it
            return False
        if self.is_editor(entry, contributors):
            return True
        return entry.mod_status == "published" and self.reads_published

    def can_edit(self, entry: GuideEntryRow, contributors: Sequence[int]) -> bool:
        """May change the text now (what ``GuideEntry.can_edit`` says)."""
        return (entry.removed_at is None and self.develop
                and self.is_editor(entry, contributors))

    def require_read(self, entry: GuideEntryRow, contributors: Sequence[int]) -> None:
        if self.can_read(entry, contributors):
            return
        if entry.removed_at is not None or entry.mod_status != "published":
            raise not_found("guide entry")
        if self.viewer is None:
            raise ProblemError(401, "Sign in to read the guide: it is not published yet.",
                               headers={"WWW-Authenticate": "Bearer"})
        raise ProblemError(403, "The guide is not published yet; its entries open to "
                                "everyone in the develop phase.")

    def require_develop(self, now: datetime) -> None:
        """403 phase-closed unless the current phase allows develop."""
        require(self.phases, now, "develop")

    def require_facilitator(self) -> None:
        if self.viewer is None:
            raise ProblemError(401, "Sign in to do this.",
                               headers={"WWW-Authenticate": "Bearer"})
        if not self.facilitator:
            raise ProblemError(403, "Only facilitators (moderators and admins) may do this.")


async def access_for(session: AsyncSession, services: Services, challenge_id: int,
                     viewer: UserRow | None) -> Access:
    challenge, phases = await services.challenges.by_id(session, challenge_id)
    return Access(viewer, challenge, phases, await guide_published(session, challenge_id),
                  develop_open(phases, services.now()))


async def load_entry(session: AsyncSession, entry_id: int, *,
                     lock: bool = False) -> GuideEntryRow:
    """The entry (any state; 404 if there is none). With ``lock``, locked until the
    transaction ends (PostgreSQL; SQLite's write transaction holds the database)."""
    query = select(GuideEntryRow).where(GuideEntryRow.id == entry_id)
    if lock:
        query = query.with_for_update()
    entry = (await session.execute(query.execution_options(populate_existing=True))
             ).scalar_one_or_none()
    if entry is None:
        raise not_found("guide entry")
    return entry


async def readable_entry(session: AsyncSession, services: Services, entry_id: int,
                         viewer: UserRow | None, *, lock: bool = False
                         ) -> tuple[GuideEntryRow, Access, list[int]]:
    """The entry if ``viewer`` may read it, their access, and its contributors."""
    entry = await load_entry(session, entry_id, lock=lock)
    access = await access_for(session, services, entry.challenge_id, viewer)
    contributors = (await contributors_of(session, [entry.id]))[entry.id]
    access.require_read(entry, contributors)
    return entry, access, contributors
