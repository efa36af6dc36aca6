"""Moderation: the queue, decisions (bulk), undo, the audit log and exports.

Moderators and admins only: anyone else signed in gets 403, anonymous callers 401.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import (
    DecisionCreate,
    DecisionResult,
    ExportFormat,
    FieldError,
    FlagReason,
    Kind,
    LoggedActionName,
    ModerationAction,
    Page,
    QueuePage,
    TargetType,
)
from client.reveal_models import RevealedCounts, RevealRequest
from server import cursors, export, live_moderation, moderation, modlog, queue, reveal, undo
from server.deps import CurrentUser, HeavyReadDB, ReadDB, Svc
from server.idempotency import Idem
from server.phases import counts_visible
from server.problems import COUNTS_HIDDEN, VALIDATION, ProblemError, not_found
from server.services import Services
from server.tables import ChallengeRow, ModerationActionRow, ModerationTargetRow, UserRow

router = APIRouter(tags=["moderation"])

MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
SlugQuery = Annotated[str | None, Query(max_length=64, description="a challenge's slug")]


async def current_moderator(user: CurrentUser) -> UserRow:
    if user.role not in ("moderator", "admin"):
        raise ProblemError(403, "Only moderators and admins may do this.")
    return user


Moderator = Annotated[UserRow, Depends(current_moderator)]


async def _challenge(session: AsyncSession, slug: str) -> ChallengeRow:
    row = (await session.execute(
        select(ChallengeRow).where(ChallengeRow.slug == slug))).scalar_one_or_none()
    if row is None:
        raise not_found("challenge")
    return row


async def _forget_sign_ins(services: Services, user_ids: list[int]) -> None:
    """A block (or its undo) applies at the next request, on every instance, not when a
    cached sign-in expires."""
    await services.invalidate.users(user_ids)


@router.get("/moderation/queue")
async def moderation_queue(
    moderator: Moderator, session: HeavyReadDB, services: Svc,
    challenge: SlugQuery = None,
    kind: Kind | None = None,
    type_: Annotated[TargetType | None, Query(alias="type")] = None,
    flag_reason: FlagReason | None = None,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> QueuePage:
    """Pending and reported submissions and comments, oldest first.

    Each item carries its open reports, its author (even when anonymous) and their
    record, suspected personal data (spans into ``title`` or ``body``), up to three
    likely duplicates in the same challenge, and ``last_action``: pass its id back as
    ``seen_action`` when deciding. ``total`` counts the whole queue for these filters.
    """
    found = await _challenge(session, challenge) if challenge else None
    page = await queue.queue_page(session, challenge=found, kind=kind, type_=type_,
                                  flag_reason=flag_reason, cursor=cursor, limit=limit)
    # Votes are hidden from moderators too while the phase hides them.
    shown = {slug: counts_visible((await services.challenges.by_slug(session, slug)).phases,
                                  services.now())
             for slug in {item.challenge for item in page.items}}
    for item in page.items:
        if not shown[item.challenge]:
            item.up = item.down = None
    return page


@router.post("/moderation/decisions", status_code=status.HTTP_201_CREATED,
             response_model=DecisionResult)
async def decide(body: DecisionCreate, moderator: Moderator, services: Svc,
                 idem: Idem) -> DecisionResult | Response:
    """Apply one action to up to 500 targets, all or nothing, in one transaction.

    Actions: ``approve`` (pending, or reported: published, reports closed), ``reject``
    (needs ``reason``, which its author sees), ``hide``, ``restore`` (hidden or
    rejected to published), ``dismiss_flags`` (close the reports; an item the reports
    hid is published again), ``merge`` (into ``merge_into``, a pending or published
    submission of the same challenge: votes and comments move, a person who voted on
    both keeps the destination's vote), ``lock_comments`` (submissions: no new
    comments) and ``block_user`` (the targets' authors; participants only). Every
    status decision closes the target's open reports.

    Refusals: 422 naming the bad field or target (``targets.3``) for unknown items,
    duplicates, a missing reason or destination, a destination that is a target or in
    another challenge. **409** (``/problems/decision-conflict``) when a target is not
    in a state the action needs (approve: pending or reported; reject, merge:
    pending, published or hidden; hide: pending or published, or hidden with open
    reports; restore: hidden or rejected; dismiss_flags: open reports; lock_comments:
    unlocked; block_user: author not blocked): the problem names, per target, the
    latest not-undone decision that changed it (moderator, action, time, action id),
    e.g. a second moderator approving what the first rejected. With ``seen_action``
    on a target (the ``last_action`` id the queue showed, 0 for none), any newer
    status decision is a 409 too, even one the state would allow. Targets are locked
    while deciding, so of two concurrent decisions the second sees the first.
    """
    async with services.db.write() as session:
        if (replay := await idem.claim(session, moderator.id, body)) is not None:
            return replay
        result, blocked = await moderation.decide(session, moderator, body, services.now())
        action = await session.get(ModerationActionRow, result.action.id)
        assert action is not None
        await live_moderation.decided(session, moderator, action, services.now())
        idem.remember(201, result)
        await session.commit()
    await services.invalidate.pages(None)  # a decision may reach several challenges; they are rare
    await _forget_sign_ins(services, blocked)
    return result


@router.post("/moderation/actions/{action_id}/undo", response_model=DecisionResult)
async def undo_action(action_id: Id, moderator: Moderator, services: Svc,
                      idem: Idem) -> DecisionResult | Response:
    """Undo an action: its targets go back as they were; a merge's votes and comments too.

    409 (``/problems/undo-refused``) when it was already undone, when a later
    not-undone action changed the same thing (undo that one first: it is named), or
    when an item changed otherwise since (e.g. withdrawn by its author).
    """
    async with services.db.write() as session:
        if (replay := await idem.claim(session, moderator.id, None)) is not None:
            return replay
        result, unblocked = await undo.undo(session, moderator, action_id, services.now())
        action = await session.get(ModerationActionRow, action_id)
        assert action is not None
        await live_moderation.decided(session, moderator, action, services.now(), undone=True)
        idem.remember(200, result)
        await session.commit()
    await services.invalidate.pages(None)
    await _forget_sign_ins(services, unblocked)
    return result


# target_type and target_id go together: one exploded object parameter says so in the
# document (the wire stays ``?target_type=submission&target_id=12``).
_TARGET_PARAMETER = {"name": "target", "in": "query", "required": False, "style": "form",
                     "explode": True, "description": "actions on one target", "schema": {
                         "type": "object", "additionalProperties": False,
                         "properties": {
                             "target_type": {"type": "string",
                                             "enum": ["submission", "comment", "user",
                                                      "entry", "entry_comment",
                                                      "challenge"]},
                             "target_id": {"type": "integer", "minimum": 1,
                                           "maximum": MAX_ID}},
                         "required": ["target_type", "target_id"]}}


@router.get("/moderation/log", openapi_extra={"parameters": [_TARGET_PARAMETER]})
async def moderation_log(
    moderator: Moderator, session: ReadDB,
    by: Annotated[int | None, Query(alias="moderator", ge=1, le=MAX_ID,
                                    description="a moderator's user id")] = None,
    action: LoggedActionName | None = None,
    challenge: SlugQuery = None,
    target_type: Annotated[Literal["submission", "comment", "user", "entry",
                                   "entry_comment", "challenge"] | None,
                           Query(include_in_schema=False)] = None,
    target_id: Annotated[int | None, Query(ge=1, le=MAX_ID, include_in_schema=False)] = None,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ModerationAction]:
    """The audit log, newest first: who did what to which targets, why, when, undone by."""
    if (target_type is None) != (target_id is None):
        raise ProblemError(422, "Give target_type and target_id together.", type=VALIDATION,
                           errors=[FieldError(field="target_id" if target_id is None
                                              else "target_type", message="required")])
    A, T = ModerationActionRow, ModerationTargetRow
    query = select(A)
    if by is not None:
        query = query.where(A.moderator_id == by)
    if action is not None:
        query = query.where(A.action == action)
    found = await _challenge(session, challenge) if challenge else None
    if found is not None:
        query = query.where(exists().where(T.action_id == A.id, T.challenge_id == found.id))
    if target_type is not None:
        query = query.where(exists().where(T.action_id == A.id, T.target_type == target_type,
                                           T.target_id == target_id))
    tag = cursors.query_tag("log", by, action, challenge, target_type, target_id)
    if cursor:
        (last,) = cursors.decode(cursor, tag, (int,))
        query = query.where(A.id < last)
    rows = (await session.execute(query.order_by(A.id.desc()).limit(limit + 1))
            ).scalars().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[ModerationAction](
        items=await modlog.render(session, rows),
        next_cursor=cursors.encode(tag, [rows[-1].id]) if more else None)


_MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8",
          "markdown": "text/markdown; charset=utf-8"}
_SUFFIX = {"csv": "csv", "jsonl": "jsonl", "markdown": "md"}


@router.get("/challenges/{slug}/export", response_class=Response, responses={200: {
    "description": "The export, in the format asked for",
    "content": {"text/csv": {}, "application/jsonl": {}, "text/markdown": {}}}})
async def export_challenge(
    slug: Annotated[str, Path(max_length=64)], moderator: Moderator, services: Svc,
    format: Annotated[ExportFormat, Query(description="csv, jsonl or markdown")],
    top: Annotated[int, Query(ge=1, le=100, description="markdown: per theme")] = 5,
) -> Response:
    """Every submission of the challenge with its comments (csv, jsonl), or the skeleton
    of a guide (markdown): the top submissions per theme with links back to them."""
    async with services.db.read_heavy() as session:  # off the event loop on SQLite
        challenge = await _challenge(session, slug)
        counts = counts_visible((await services.challenges.by_id(session, challenge.id)).phases,
                                services.now())
        headers = {"Content-Disposition":
                   f'attachment; filename="{challenge.slug}.{_SUFFIX[format]}"'}
        if format == "markdown" and not counts:
            raise ProblemError(403, "Votes are hidden while this phase runs, so the guide "
                                    "skeleton (ordered by score) is not available; "
                                    "reveal-counts shows them, in the audit log.",
                               type=COUNTS_HIDDEN, title="Counts hidden")
        if format == "markdown":
            text = await export.markdown(session, challenge, top, services.now())
            return Response(text, media_type=_MEDIA[format], headers=headers)
    lines = (export.csv_lines if format == "csv" else export.jsonl_lines)(
        services.db, challenge.id, counts)
    return StreamingResponse(lines, media_type=_MEDIA[format], headers=headers)


@router.post("/moderation/reveal-counts", response_model=RevealedCounts)
async def reveal_counts(body: RevealRequest, moderator: Moderator,
                        services: Svc) -> RevealedCounts:
    """Moderators and admins: a challenge's published submissions with their counts and
    scores, even while its phase hides them from everyone. Written to the audit log
    (action ``reveal_counts``, the reason given, the challenge as target) in the same
    transaction; it cannot be undone."""
    async with services.db.write() as session:
        challenge = await _challenge(session, body.challenge)
        result = await reveal.reveal(session, moderator, challenge, body.reason.strip(),
                                     services.now())
        await session.commit()
    return result
