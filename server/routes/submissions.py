"""Submissions: list (sorted, searched, filtered, keyset-paged), create, read, edit, withdraw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from client.event_models import QueueRemoval
from client.models import (
    FieldError,
    Kind,
    OpenedSubmission,
    Page,
    Sort,
    Submission,
    SubmissionCreate,
    SubmissionUpdate,
)
from client.privacy import describe_findings, find_personal_data
from server import bridging, bridging_list, cursors, listing, live_record, pages, search
from server.comment_pages import comment_page
from server.deps import CurrentUser, MaybeUser, ReadDB, SubmissionId, Svc, is_moderator
from server.idempotency import Idem
from server.phases import counts_visible, require
from server.problems import COUNTS_HIDDEN, ProblemError, not_found
from server.queries import mark_participant, themes_of
from server.ranking import shuffle_params
from server.services import Services
from server.tables import (
    ChallengeRow,
    CommentRow,
    PromptRow,
    SubmissionRow,
    SubmissionThemeRow,
    UserRow,
    VoteRow,
)
from server.views import public, submission_out

router = APIRouter(tags=["submissions"])

EDITED_REASON = ("Edited after it was approved: hidden until a moderator approves the "
                 "new text.")


def held_for_personal_data(*texts: str) -> str | None:
    """Why a post must wait for a moderator, if it looks like it holds personal data."""
    findings = find_personal_data("\n".join(texts))
    if not findings:
        return None
    return (f"Held for a moderator: it looks like it contains {describe_findings(findings)}. "
            "Edit it to remove details that identify a patient or colleague, or wait for "
            "a moderator to check it.")

async def render_many(session: AsyncSession, rows: Sequence[SubmissionRow], slug: str,
                      viewer: UserRow | None, counts: bool) -> list[Submission]:
    """``rows``: submissions of the challenge ``slug``."""
    ids = [r.id for r in rows]
    themes = await themes_of(session, ids)
    tallies = await bridging.tallies(session, rows[0].challenge_id, ids) if (
        counts and rows) else None
    authors = {u.id: u for u in (await session.execute(
        select(UserRow).where(UserRow.id.in_({r.author_id for r in rows})))).scalars()
               } if rows else {}
    votes: dict[int, int] = {}
    if viewer is not None and rows:
        votes = dict((await session.execute(
            select(VoteRow.submission_id, VoteRow.value)
            .where(VoteRow.user_id == viewer.id, VoteRow.submission_id.in_(ids)))).all())
    return [submission_out(r, slug=slug, themes=themes[r.id],
                           author=public(authors[r.author_id]),
                           viewer=viewer, counts=counts, my_vote=votes.get(r.id),
                           support=tallies.support(r.id) if tallies else None)
            for r in rows]


async def _rows(session: AsyncSession, shape: listing.Shape,
                params: dict[str, Any]) -> list[Any]:
    return list((await session.execute(listing.plan(shape), params)).all())


#: Walk only when PostgreSQL expects this many pages of matches among the rows walked:
#: for a rarer search the walk is wasted (a rare word: 5.5 ms alone with it, 3.5 without).
WALK_MARGIN = 1.5


async def _searched(session: AsyncSession, services: Services, q: str, shape: listing.Shape,
                    params: dict[str, Any], limit: int) -> list[Any]:
    """The page query's rows for a search; binds what it needs into ``params``."""
    prepared = search.prepare(services.db.dialect, q)
    if prepared is None:  # no word to look for: nothing matches
        return []
    match, values = prepared
    params.update(values)
    if match == "fts5" and shape.sort == "new":
        # FTS5 hands over matches newest first and stops at a page, however many or
        # few there are: asking how many first would only search twice.
        return await _rows(session, replace(shape, search="fts5-newest"), params)
    if match != "fts5" and shape.sort not in ("random", "bridging") and (
            await search.estimated_share(session, match, values) * listing.WALK_ROWS
            >= WALK_MARGIN * (limit + 1)):
        walked = await _rows(session, replace(shape, search=match, walk=True),
                             {**params, "walk_rows": listing.WALK_ROWS})
        if len(walked) > limit:  # a page and more: these are the first matches
            return walked
    few = await search.few_matches(session, match, values)
    if few is not None:
        params["few"] = few
        return await _rows(session, replace(shape, search="few"), params)
    return await _rows(session, replace(shape, search=match), params)


async def _page(session: AsyncSession, services: Services, challenge_id: int, *,
                kind: Kind | None, sort: Sort, q: str | None, theme: str | None,
                after: list[Any], limit: int, viewer: UserRow | None, viewer_key: str,
                mine: bool = False, standing: bridging_list.Standing | None = None,
                ) -> tuple[list[Any], list[Any] | None]:
    """The page's rows (with ``viewer``'s votes if given) and the next page's keyset;
    ``sort=bridging`` walks ``standing``'s order."""
    params: dict[str, Any] = {"challenge_id": challenge_id, "page_limit": limit + 1,
                              "kind": kind, "theme": theme}
    if viewer is not None:
        params["viewer_id"] = viewer.id
    if sort == "random":
        params["shuffle_a"], params["shuffle_b"] = shuffle_params(viewer_key, challenge_id)
    params.update((f"after_{i}", value) for i, value in enumerate(after))
    shape = listing.Shape(sort=sort, kind=kind is not None, theme=bool(theme), search="",
                          cursor=bool(after) and sort != "bridging",
                          viewer=viewer is not None, mine=mine)
    if standing is not None:
        async def stretch(ids: list[int]) -> list[Any]:
            chosen = {**params, "bridging_ids": ids, "page_limit": len(ids)}
            if q and q.strip():
                return await _searched(session, services, q, shape, chosen, len(ids))
            return await _rows(session, shape, chosen)

        return await bridging_list.page(standing, stretch, kind=kind, after=after,
                                        limit=limit)
    if q and q.strip():
        found = await _searched(session, services, q, shape, params, limit)
    else:
        found = await _rows(session, shape, params)
    if len(found) <= limit:
        return found, None
    return found[:limit], listing.cursor_values(sort, found[limit - 1])


@router.get("/challenges/{slug}/submissions", response_model=Page[Submission])
async def list_submissions(
    slug: str, session: ReadDB, services: Svc, viewer: MaybeUser,
    kind: Kind | None = None,
    sort: Sort = "new",
    q: Annotated[str | None, Query(max_length=200, description="full-text search")] = None,
    theme: Annotated[str | None, Query(max_length=60)] = None,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    mine: Annotated[bool, Query(description="only your own submissions, in every status "
                                            "(pending, rejected, ...), with the reason")] = False,
) -> Page[Submission] | Response:
    # Before any statement: a page read from here on is kept only if this process
    # commits no change meanwhile (it might have been read before the change).
    epoch = services.pages.epoch
    if mine and viewer is None:
        raise ProblemError(401, "Sign in to see your own submissions.",
                           headers={"WWW-Authenticate": "Bearer"})
    challenge, phases = await services.challenges.by_slug(session, slug)
    counts = counts_visible(phases, services.now())
    if sort in ("top", "pairwise", "bridging") and not counts:
        # Hidden from everyone, moderators included: an order by votes would tell them.
        raise ProblemError(403, f"Votes are hidden while this phase runs, so {sort!r} is "
                                "not available; try 'random' or 'new'.", type=COUNTS_HIDDEN,
                           title="Counts hidden")
    viewer_key = f"user:{viewer.id}" if viewer else "anonymous"
    tag = cursors.query_tag(challenge.id, kind, sort, q, theme, viewer_key, mine)
    after = cursors.decode(cursor, tag, listing.CURSOR_TYPES[sort]) if cursor else []

    standing = await services.pages.standings.get(session, challenge.id) if (
        sort == "bridging") else None

    async def fetch(who: UserRow | None) -> tuple[list[Any], list[Any] | None]:
        return await _page(session, services, challenge.id, kind=kind, sort=sort, q=q,
                           theme=theme, after=after, limit=limit, viewer=who,
                           viewer_key=viewer_key, mine=mine, standing=standing)

    async def tallies(found: list[Any]) -> bridging.Tallies | None:
        """What the page's support across staff groups is shown from (with counts)."""
        if not counts or not found:
            return None
        if standing is not None:
            return standing.tallies
        return await bridging.tallies(session, challenge.id, [row.id for row in found])

    if services.pages.enabled and not mine and sort != "random" and not is_moderator(viewer):
        key = pages.PageKey(challenge.id, kind, sort, theme, q, tuple(after), limit, counts)
        shared = services.pages.get(key)
        if shared is None:
            found, next_key = await fetch(None)
            shared = pages.share(found, challenge.slug, counts, next_key, await tallies(found))
            services.pages.put(key, shared, epoch)
        votes = await pages.my_votes(session, viewer, challenge.id, shared,
                                     services.pages.votes)
        items = pages.for_viewer(shared, challenge.slug, viewer, counts, votes)
        cursor_out = None if shared.next_key is None else cursors.encode(tag, list(shared.next_key))
        # Already JSON: FastAPI would only check and encode the same again.
        return Response(pages.page_json(items, cursor_out), media_type="application/json")
    found, next_key = await fetch(viewer)
    support = pages.supports(found, await tallies(found))
    return Response(pages.items_json(
        [pages.render(row, challenge.slug, viewer, counts, row.my_vote, s)
         for row, s in zip(found, support, strict=True)],
        None if next_key is None else cursors.encode(tag, list(next_key))),
        media_type="application/json")


def _check_themes(challenge: ChallengeRow, themes: list[str]) -> list[str]:
    known = {t.casefold(): t for t in challenge.themes}
    chosen: list[str] = []
    for theme in themes:
        canonical = known.get(theme.strip().casefold())
        if canonical is None:
            raise ProblemError(422, f"{theme!r} is not a theme of this challenge.",
                               errors=[FieldError(field="themes",
                                                  message=f"unknown theme {theme!r}")])
        if canonical not in chosen:
            chosen.append(canonical)
    return chosen


async def _prompt_kinds(session: AsyncSession, challenge_id: int) -> set[str]:
    return set((await session.execute(
        select(PromptRow.kind).where(PromptRow.challenge_id == challenge_id))).scalars())


async def render_one(session: AsyncSession, services: Services, row: SubmissionRow,
                     viewer: UserRow | None) -> Submission:
    challenge, phases = await services.challenges.by_id(session, row.challenge_id)
    counts = counts_visible(phases, services.now())
    return (await render_many(session, [row], challenge.slug, viewer, counts))[0]


@router.post("/challenges/{slug}/submissions", status_code=status.HTTP_201_CREATED,
             response_model=Submission)
async def create_submission(slug: str, body: SubmissionCreate, user: CurrentUser,
                            services: Svc, idem: Idem) -> Submission | Response:
    now = services.now()
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        challenge, phases = await services.challenges.by_slug(session, slug)
        require(phases, now, "submissions")
        if body.kind not in await _prompt_kinds(session, challenge.id):
            raise ProblemError(422, f"This challenge does not ask for {body.kind}s.",
                               errors=[FieldError(field="kind", message="not asked for here")])
        themes = _check_themes(challenge, body.themes)
        anonymous = challenge.anonymous_default if body.anonymous is None else body.anonymous
        held = held_for_personal_data(body.title, body.body)
        status, reason = "published", None
        if held is not None:
            status, reason = "pending", held
        elif challenge.moderation == "pre":
            status, reason = "pending", "Waiting for a moderator to approve it."
        row = SubmissionRow(
            challenge_id=challenge.id, kind=body.kind, title=body.title.strip(),
            body=body.body, author_id=user.id, anonymous=anonymous,
            status=status, status_reason=reason,
            up=0, down=0, comments=0, score=0.0, created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
        session.add_all([SubmissionThemeRow(submission_id=row.id, theme=t) for t in themes])
        await mark_participant(session, challenge.id, user.id, now)
        await session.flush()
        result = await render_one(session, services, row, user)
        await live_record.submission(session, row, created=True)
        if status == "pending":
            await live_record.queue_added(session, [("submission", row.id)])
        idem.remember(201, result)
        await session.commit()
    await services.invalidate.pages(challenge.id)
    return result


async def visible_submission(session: AsyncSession, submission_id: int,
                             viewer: UserRow | None, *, lock: bool = False) -> SubmissionRow:
    """The submission if this viewer may see it; 404 otherwise (no existence leak).
    With ``lock``, its row stays locked until the transaction ends (PostgreSQL; a
    SQLite write transaction holds the whole database already)."""
    row = await session.get(SubmissionRow, submission_id, with_for_update=lock or None)
    if row is None:
        raise not_found("submission")
    if row.status != "published" and not is_moderator(viewer) and not (
            viewer is not None and viewer.id == row.author_id):
        raise not_found("submission")
    return row


@router.get("/submissions/{submission_id}")
async def get_submission(
    submission_id: SubmissionId, session: ReadDB, services: Svc, viewer: MaybeUser,
    comments: Annotated[int | None, Query(
        ge=1, le=100, description="Embed the first page of this many comments "
                                  "(``comment_page``): opening a submission is one request.",
    )] = None,
) -> OpenedSubmission:
    row = await visible_submission(session, submission_id, viewer)
    item = await render_one(session, services, row, viewer)
    if comments is None:
        return OpenedSubmission.model_construct(item.model_fields_set, **dict(item))
    page = await comment_page(session, submission_id, viewer, None, comments)
    return OpenedSubmission.model_construct(item.model_fields_set | {"comment_page"},
                                            **dict(item), comment_page=page)


async def _own_submission(session: AsyncSession, submission_id: int,
                          user: UserRow) -> SubmissionRow:
    # Locked: a moderator's decision and an edit of the same item go one after the
    # other, so an approval cannot publish text that arrived while it was deciding.
    row = await visible_submission(session, submission_id, user, lock=True)
    if row.author_id != user.id:
        raise ProblemError(403, "Only its author may change a submission.")
    return row


@router.patch("/submissions/{submission_id}")
async def update_submission(submission_id: SubmissionId, body: SubmissionUpdate, user: CurrentUser,
                            services: Svc) -> Submission:
    now = services.now()
    async with services.db.write() as session:
        row = await _own_submission(session, submission_id, user)
        if row.status not in ("pending", "published"):
            raise ProblemError(409, f"A {row.status} submission cannot be edited.")
        was_published = row.status == "published"
        challenge, phases = await services.challenges.by_id(session, row.challenge_id)
        require(phases, now, "submissions")
        reworded = ((body.title is not None and body.title.strip() != row.title)
                    or (body.body is not None and body.body != row.body))
        if body.title is not None:
            row.title = body.title.strip()
        if body.body is not None:
            row.body = body.body
        if body.anonymous is not None and body.anonymous != row.anonymous:
            row.anonymous = body.anonymous
            # Their comments on it follow: named with the post, or no longer.
            await session.execute(update(CommentRow).where(
                CommentRow.submission_id == row.id, CommentRow.author_id == row.author_id)
                .values(anonymous=body.anonymous))
        if body.themes is not None:
            themes = _check_themes(challenge, body.themes)
            await session.execute(delete(SubmissionThemeRow).where(
                SubmissionThemeRow.submission_id == row.id))
            session.add_all([SubmissionThemeRow(submission_id=row.id, theme=t) for t in themes])
        held = held_for_personal_data(row.title, row.body)
        if held is not None:
            row.status, row.status_reason = "pending", held
        elif reworded and challenge.moderation == "pre" and row.status == "published":
            # Held rather than showing the approved text meanwhile: one text per item.
            row.status, row.status_reason = "pending", EDITED_REASON
        row.updated_at = now
        await session.flush()
        result = await render_one(session, services, row, user)
        await live_record.submission(session, row, was_published=was_published)
        if row.status == "pending":
            await live_record.queue_added(session, [("submission", row.id)])
        await session.commit()
    await services.invalidate.pages(row.challenge_id)
    return result


@router.delete("/submissions/{submission_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
async def withdraw_submission(submission_id: SubmissionId, user: CurrentUser,
                              services: Svc) -> Response:
    async with services.db.write() as session:
        row = await _own_submission(session, submission_id, user)
        if row.status in ("pending", "published", "hidden"):
            was = row.status
            row.status = "withdrawn"
            row.status_reason = "Withdrawn by its author."
            row.updated_at = services.now()
            await live_record.submission(session, row, was_published=was == "published")
            await live_record.queue_removed(session, row.challenge_id, [QueueRemoval(
                type="submission", id=row.id, status="withdrawn", action="withdraw")])
            await session.commit()
            await services.invalidate.pages(row.challenge_id)
        elif row.status != "withdrawn":
            raise ProblemError(409, f"A {row.status} submission cannot be withdrawn.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
