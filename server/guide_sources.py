"""Where guide entries come from: suggestions from the stored ranking, a submission's
merged duplicates, the entry template, and which submissions are in the guide already.

"In the guide" means: an explicit source (shortlisted, merged or added) of an entry
that is not removed. A submission is in at most one such entry; shortlisting and
source changes hold the challenge's row lock (PostgreSQL; SQLite's write transaction
holds the database) while they check it, so two facilitators cannot both take one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import FieldError
from server.guide_tables import GuideEntryRow, GuideSourceRow
from server.problems import ProblemError
from server.tables import (
    ChallengeRow,
    ModerationActionRow,
    ModerationTargetRow,
    SubmissionRow,
    SubmissionThemeRow,
    UserRow,
)

S = SubmissionRow
# A source must be one of these: a merged duplicate stays readable as its destination.
SOURCE_STATUSES = ("published", "merged")


async def lock_challenge(session: AsyncSession, challenge_id: int) -> None:
    """Serialise changes to which submissions are in this challenge's guide."""
    await session.execute(select(ChallengeRow.id).where(ChallengeRow.id == challenge_id)
                          .with_for_update())


def _in_guide(challenge_id: int) -> Select[int]:
    query = (select(GuideSourceRow.submission_id)
             .join(GuideEntryRow, GuideEntryRow.id == GuideSourceRow.entry_id)
             .where(GuideEntryRow.challenge_id == challenge_id,
                    GuideEntryRow.removed_at.is_(None)))
    return query


async def taken(session: AsyncSession, challenge_id: int, submission_ids: Sequence[int], *,
                except_entry: int | None = None) -> dict[int, int]:
    """Which of these submissions are in the guide already: submission -> entry."""
    if not submission_ids:
        return {}
    return dict((await session.execute(
        select(GuideSourceRow.submission_id, GuideSourceRow.entry_id)
        .join(GuideEntryRow, GuideEntryRow.id == GuideSourceRow.entry_id)
        .where(GuideEntryRow.challenge_id == challenge_id, GuideEntryRow.removed_at.is_(None),
               GuideSourceRow.submission_id.in_(sorted(set(submission_ids))),
               *([GuideEntryRow.id != except_entry] if except_entry is not None else [])))
    ).all())


async def merged_into(session: AsyncSession, submission_id: int) -> list[int]:
    """The submissions merged (and still merged) into this one, and into those, in turn:
    the not-undone merge actions of the audit log name them (server/merge.py)."""
    A, T = ModerationActionRow, ModerationTargetRow
    found: list[int] = []
    seen = {submission_id}
    frontier = [submission_id]
    while frontier:
        rows = (await session.execute(
            select(T.target_id).join(A, A.id == T.action_id).join(S, S.id == T.target_id)
            .where(A.action == "merge", A.undone_at.is_(None), A.merge_into.in_(frontier),
                   T.role == "target", T.target_type == "submission", S.status == "merged")
            .order_by(T.target_id))).scalars().all()
        frontier = [r for r in dict.fromkeys(rows) if r not in seen]
        seen.update(frontier)
        found += frontier
    return found


async def suggestions(session: AsyncSession, challenge: ChallengeRow, per_theme: int,
                      by_score: bool = True) -> list[tuple[str | None, list[SubmissionRow]]]:
    """Per theme of the challenge (in its order, even when empty), then for submissions
    without a theme (only when there are some): the published submissions not in the
    guide, best stored score first, newer first on a tie (newest first without
    ``by_score``: while counts are hidden, an order by score would tell them). A
    submission with two themes is suggested under both."""
    guide = _in_guide(challenge.id)
    order = [S.score.desc(), S.id.desc()] if by_score else [S.id.desc()]
    base = (select(S).where(S.challenge_id == challenge.id, S.status == "published",
                            S.id.not_in(guide))
            .order_by(*order).limit(per_theme))
    groups: list[tuple[str | None, list[SubmissionRow]]] = []
    for theme in challenge.themes:
        rows = (await session.execute(base.where(exists().where(
            SubmissionThemeRow.submission_id == S.id, SubmissionThemeRow.theme == theme))
        )).scalars().all()
        groups.append((theme, list(rows)))
    unthemed = (await session.execute(base.where(~exists().where(
        SubmissionThemeRow.submission_id == S.id)))).scalars().all()
    if unthemed:
        groups.append((None, list(unthemed)))
    return groups


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def template(submission: SubmissionRow, merged: Sequence[SubmissionRow]) -> str:
    """The text an entry starts from: the four headings, the submission quoted and
    cited, its merged duplicates listed as evidence."""
    evidence = [f"- #{submission.id} ({submission.kind}): {submission.title}"]
    evidence += [f"- #{m.id} ({m.kind}, merged into #{submission.id}): {m.title}"
                 for m in merged]
    return "\n".join([
        "## What it is", "",
        _quote(submission.body) or "> (no text)", "",
        f"From #{submission.id}.", "",
        "## How to start", "",
        "Who starts it, with what, and the first step.", "",
        "## What to watch out for", "",
        "What got in the way, and how it was handled.", "",
        "## Evidence", "",
        *evidence, "",
    ])


async def check_sources(session: AsyncSession, entry: GuideEntryRow,
                        submission_ids: Sequence[int]) -> None:
    """422 for a source that is not a published (or merged) submission of the entry's
    challenge; 409 for one another entry has already."""
    wanted = list(dict.fromkeys(submission_ids))
    found = dict((await session.execute(
        select(S.id, S.status).where(S.id.in_(wanted), S.challenge_id == entry.challenge_id)
    )).all()) if wanted else {}
    errors = [FieldError(field=f"sources.{i}",
                         message=f"no published submission {sid} in this challenge")
              for i, sid in enumerate(wanted) if found.get(sid) not in SOURCE_STATUSES]
    if errors:
        raise ProblemError(422, errors[0].message, errors=errors)
    elsewhere = await taken(session, entry.challenge_id, wanted, except_entry=entry.id)
    if elsewhere:
        sid, other = next(iter(elsewhere.items()))
        raise ProblemError(409, f"Submission {sid} is a source of guide entry {other} "
                                "already.",
                           errors=[FieldError(field="sources", message=f"#{s} is in entry {e}")
                                   for s, e in elsewhere.items()])


async def lead_of(session: AsyncSession, submission: SubmissionRow) -> int | None:
    """An entry's first lead: the submission's author, unless they posted anonymously
    (or are blocked)."""
    if submission.anonymous:
        return None
    author = await session.get(UserRow, submission.author_id)
    return None if author is None or author.blocked else author.id
