"""Rows to wire models, applying who may see what."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, cast

from client.models import (
    Challenge,
    ChallengeSummary,
    Comment,
    GroupSupport,
    Kind,
    Phase,
    Prompt,
    Submission,
    SubmissionStatus,
    User,
    UserPublic,
)
from server.bridging import Support
from server.tables import ChallengeRow, CommentRow, PhaseRow, PromptRow, UserRow


def user_out(user: UserRow) -> User:
    return User(id=user.id, display_name=user.display_name, email=user.email, role=user.role,
                organisation=user.organisation, staff_group=user.staff_group,
                created_at=user.created_at)


def public(user: UserRow) -> UserPublic:
    return UserPublic(id=user.id, display_name=user.display_name)


def phase_out(phase: PhaseRow) -> Phase:
    return Phase(id=phase.id, position=phase.position, name=phase.name,
                 starts_at=phase.starts_at, ends_at=phase.ends_at,
                 submissions=phase.submissions, comments=phase.comments, votes=phase.votes,
                 show_counts=phase.show_counts, vote_budget=phase.vote_budget,
                 develop=phase.develop, pairwise=phase.pairwise)


def summary_out(challenge: ChallengeRow, current: PhaseRow | None, submissions: int,
                participants: int) -> ChallengeSummary:
    return ChallengeSummary(slug=challenge.slug, title=challenge.title,
                            current_phase=phase_out(current) if current else None,
                            submissions=submissions, participants=participants,
                            created_at=challenge.created_at)


def challenge_out(challenge: ChallengeRow, phases: Sequence[PhaseRow],
                  prompts: Sequence[PromptRow], current: PhaseRow | None,
                  submissions: int, participants: int) -> Challenge:
    base = summary_out(challenge, current, submissions, participants)
    return Challenge(**base.model_dump(), summary=challenge.summary,
                     themes=list(challenge.themes), moderation=challenge.moderation,
                     anonymous_default=challenge.anonymous_default,
                     phases=[phase_out(p) for p in phases],
                     prompts=[Prompt(kind=p.kind, question=p.question,
                                     description=p.description) for p in prompts])


class SubmissionFields(Protocol):
    """A SubmissionRow, or a plain result row with the same columns."""

    id: int
    kind: str
    title: str
    body: str
    author_id: int
    anonymous: bool
    status: str
    status_reason: str | None
    up: int
    down: int
    score: float
    wins: int
    losses: int
    pairwise_score: float
    comments: int
    comments_locked: bool
    created_at: datetime
    updated_at: datetime


def submission_out(row: SubmissionFields, *, slug: str, themes: list[str], author: UserPublic,
                   viewer: UserRow | None, counts: bool, my_vote: int | None,
                   support: Support | None = None) -> Submission:
    """``counts``: whether vote counts are shown now; ``support``: its support across
    staff groups (``Tallies.support``), shown with the counts."""
    privileged = viewer is not None and viewer.role in ("moderator", "admin")
    is_mine = viewer is not None and viewer.id == row.author_id
    # An anonymous author's identity never leaves the server, except to moderators.
    show_author = not row.anonymous or privileged
    # Built from our own rows, so not validated again: a page is 20 of these.
    return Submission.model_construct(
        id=row.id, challenge=slug, kind=cast(Kind, row.kind), title=row.title, body=row.body,
        themes=themes, author=author if show_author else None,
        anonymous=row.anonymous, is_mine=is_mine,
        status=cast(SubmissionStatus, row.status),
        status_reason=row.status_reason if (is_mine or privileged) else None,
        up=row.up if counts else None, down=row.down if counts else None,
        score=row.score if counts else None,
        wins=row.wins if counts else None, losses=row.losses if counts else None,
        pairwise_score=row.pairwise_score if counts else None, comments=row.comments,
        bridging=support[0] if counts and support else None,
        groups=[GroupSupport.model_construct(group=g, up=u, down=d) for g, u, d in support[1]]
        if counts and support else None,
        comments_locked=row.comments_locked, my_vote=my_vote,
        created_at=row.created_at, updated_at=row.updated_at)


def comment_out(row: CommentRow, author: UserRow, viewer: UserRow | None) -> Comment:
    """A comment by the submission's anonymous author names nobody, its author
    included (as their submission does), except to moderators."""
    privileged = viewer is not None and viewer.role in ("moderator", "admin")
    return Comment(id=row.id, submission_id=row.submission_id, parent_id=row.parent_id,
                   body=row.body,
                   author=public(author) if not row.anonymous or privileged else None,
                   anonymous=row.anonymous, status=row.status,
                   status_reason=row.status_reason, created_at=row.created_at)
