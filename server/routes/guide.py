"""The develop stage: suggestions, shortlisting into guide entries, reading, editing
(versioned, with If-Match), history and removal. Who may do what: server/guide_access.py;
pledges, comments and flags: server/routes/guide_talk.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status
from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.guide_models import (
    EDIT_CONFLICT,
    EditConflictProblem,
    EntryCreate,
    EntryUpdate,
    EntryVersion,
    GuideEntry,
    Suggestions,
    SuggestionTheme,
)
from client.models import FieldError, Page
from server import cursors, guide_edit, guide_log, live_notify
from server.deps import MAX_ID, CurrentUser, MaybeUser, ReadDB, Svc
from server.guide_access import Access, access_for, readable_entry
from server.guide_sources import lock_challenge, merged_into, suggestions, taken, template
from server.guide_tables import GuideContributorRow, GuideEntryRow, GuideSourceRow, GuideVersionRow
from server.guide_views import render_entries, render_entry, version_out
from server.idempotency import Idem
from server.phases import counts_visible
from server.problems import ProblemError, not_found
from server.queries import themes_of
from server.routes.submissions import render_many
from server.services import Services
from server.tables import SubmissionRow, UserRow

router = APIRouter(tags=["guide"])

EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
IF_MATCH_DOC = "the version the edit starts from: 3, \"3\" or W/\"3\" (the entry's ETag)"


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.get("/challenges/{slug}/guide/suggestions")
async def guide_suggestions(
    slug: str, session: ReadDB, services: Svc, viewer: MaybeUser,
    per_theme: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Suggestions:
    """Facilitators: per theme, the top-rated published submissions (stored score, newer
    first on a tie) that are not yet a source of a guide entry; while the phase hides
    counts, the newest, without counts."""
    challenge, phases = await services.challenges.by_slug(session, slug)
    Access(viewer, challenge, phases, False, False).require_facilitator()
    counts = counts_visible(phases, services.now())
    groups = await suggestions(session, challenge, per_theme, by_score=counts)
    rows = list({r.id: r for _, group in groups for r in group}.values())
    rendered = {s.id: s for s in await render_many(session, rows, challenge.slug, viewer,
                                                   counts)}
    return Suggestions(items=[SuggestionTheme(theme=theme, submissions=[
        rendered[r.id] for r in group]) for theme, group in groups])


async def _theme(session: AsyncSession, access: Access, submission: SubmissionRow,
                 asked: str | None) -> str | None:
    if asked is not None:
        known = {t.casefold(): t for t in access.challenge.themes}
        theme = known.get(asked.strip().casefold())
        if theme is None:
            raise ProblemError(422, f"{asked!r} is not a theme of this challenge.",
                               errors=[FieldError(field="theme", message="unknown theme")])
        return theme
    themes = (await themes_of(session, [submission.id]))[submission.id]
    ordered = [t for t in access.challenge.themes if t in themes] or themes
    return ordered[0] if ordered else None


@router.post("/challenges/{slug}/guide/entries", status_code=status.HTTP_201_CREATED,
             response_model=GuideEntry)
async def shortlist(slug: str, body: EntryCreate, user: CurrentUser, services: Svc,
                    idem: Idem, response: Response) -> GuideEntry | Response:
    """Facilitators: a published submission becomes a guide entry (title from it, the text
    from the template, its merged duplicates as sources; lead: its author unless
    anonymous). 409 when it is in the guide already."""
    now = services.now()
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        challenge, _ = await services.challenges.by_slug(session, slug)
        access = await access_for(session, services, challenge.id, user)
        access.require_facilitator()
        await lock_challenge(session, challenge.id)
        submission = await session.get(SubmissionRow, body.submission_id)
        if submission is None or submission.challenge_id != challenge.id:
            raise ProblemError(422, f"No submission {body.submission_id} in this challenge.",
                               errors=[FieldError(field="submission_id", message="not found")])
        if submission.status != "published":
            raise ProblemError(409, f"A {submission.status} submission cannot be shortlisted.")
        if found := await taken(session, challenge.id, [submission.id]):
            raise ProblemError(409, f"Submission {submission.id} is in the guide already "
                                    f"(entry {found[submission.id]}).")
        merged = await merged_into(session, submission.id)
        elsewhere = await taken(session, challenge.id, merged)  # not taken from others
        merged = [m for m in merged if m not in elsewhere]
        merged_rows = {r.id: r for r in (await session.execute(
            select(SubmissionRow).where(SubmissionRow.id.in_(merged)))).scalars()}
        position = (await session.execute(
            select(func.coalesce(func.max(GuideEntryRow.position), -1))
            .where(GuideEntryRow.challenge_id == challenge.id,
                   GuideEntryRow.removed_at.is_(None)))).scalar_one() + 1
        lead = None if submission.anonymous else submission.author_id
        entry = GuideEntryRow(
            challenge_id=challenge.id, submission_id=submission.id, title=submission.title,
            theme=await _theme(session, access, submission, body.theme), status="proposed",
            lead_id=lead, position=position,
            body=template(submission, [merged_rows[m] for m in merged]), version=1,
            mod_status="published", created_at=now, updated_at=now)
        session.add(entry)
        await session.flush()
        session.add_all([GuideSourceRow(entry_id=entry.id, submission_id=sid, origin=origin,
                                        position=i, created_at=now)
                         for i, (sid, origin) in enumerate(
                             [(submission.id, "shortlisted"), *((m, "merged") for m in merged)])])
        await guide_edit.write_version(session, entry, user, now)
        await guide_log.log(session, user, "guide_shortlist", [(entry.id, challenge.id)],
                            {"entry": entry.id, "submission": submission.id}, now)
        await live_notify.shortlisted(session, submission, merged, actor=user.id, now=now)
        result = await render_entry(session, entry, access, [])
        idem.remember(201, result)
        await session.commit()
    _etag(response, result.version)
    return result


@router.get("/challenges/{slug}/guide/entries")
async def list_entries(
    slug: str, session: ReadDB, services: Svc, viewer: MaybeUser,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[GuideEntry]:
    """The entries in guide order, as this viewer may read them: facilitators all (held
    and hidden too), leads and contributors theirs, everyone the published ones once
    the guide is published, signed-in participants while the develop phase runs."""
    challenge, _ = await services.challenges.by_slug(session, slug)
    access = await access_for(session, services, challenge.id, viewer)
    if viewer is None and not access.published:
        raise ProblemError(401, "Sign in to read the guide: it is not published yet.",
                           headers={"WWW-Authenticate": "Bearer"})
    E = GuideEntryRow
    query = select(E).where(E.challenge_id == challenge.id, E.removed_at.is_(None))
    if not access.facilitator:
        readable = E.mod_status == "published" if access.reads_published else false()
        if viewer is not None:
            readable = or_(readable, E.lead_id == viewer.id, exists().where(
                GuideContributorRow.entry_id == E.id, GuideContributorRow.user_id == viewer.id))
        query = query.where(readable)
    tag = cursors.query_tag("guide-entries", challenge.id, viewer.id if viewer else None)
    if cursor:
        position, last = cursors.decode(cursor, tag, (int, int))
        query = query.where(or_(E.position > position, (E.position == position) & (E.id > last)))
    rows = list((await session.execute(
        query.order_by(E.position, E.id).limit(limit + 1))).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[GuideEntry](
        items=await render_entries(session, rows, access),
        next_cursor=cursors.encode(tag, [rows[-1].position, rows[-1].id]) if more else None)


@router.get("/guide/entries/{entry_id}")
async def get_entry(entry_id: EntryId, session: ReadDB, services: Svc, viewer: MaybeUser,
                    response: Response) -> GuideEntry:
    """The entry with its ``version``, also sent as the ``ETag`` for If-Match."""
    entry, access, contributors = await readable_entry(session, services, entry_id, viewer)
    result = await render_entry(session, entry, access, contributors)
    _etag(response, result.version)
    return result


async def _edit_conflict(services: Services, entry_id: int, user: UserRow) -> ProblemError:
    async with services.db.read() as session:
        entry, access, contributors = await readable_entry(session, services, entry_id, user)
        current = await render_entry(session, entry, access, contributors)
    error = ProblemError(412, f"The entry changed since the version you edited: it is at "
                              f"version {current.version} now. Start again from it (it is in "
                              "'current').", type=EDIT_CONFLICT, title="Edit conflict",
                         headers={"ETag": f'"{current.version}"'})
    error.problem = EditConflictProblem(**error.problem.model_dump(), current=current)
    return error


_IF_MATCH_PARAMETER = {"name": "If-Match", "in": "header", "required": True,
                       "description": IF_MATCH_DOC, "schema": {
                           "type": "string", "pattern": guide_edit.IF_MATCH_PATTERN}}


@router.patch("/guide/entries/{entry_id}", openapi_extra={
    "parameters": [_IF_MATCH_PARAMETER]}, responses={
    412: {"model": EditConflictProblem, "description": "The edit started from an old "
                                                      "version; 'current' is the entry now"},
    428: {"description": "No If-Match"}})
async def edit_entry(
    entry_id: EntryId, body: EntryUpdate, user: CurrentUser, services: Svc,
    response: Response,
    # Optional to FastAPI, so that a missing one is our 428 rather than a 422; the
    # document says it is required, and its form.
    if_match: Annotated[str | None, Header(max_length=40, description=IF_MATCH_DOC)] = None,
) -> GuideEntry:
    """A new version. Text (title, body, restored_from): the lead, contributors and
    facilitators, while the phase allows develop. Status, review date, lead,
    contributors, sources and theme: facilitators (audit log; undoable). A stale
    If-Match is 412 with the current entry; none is 428."""
    now = services.now()
    async with services.db.write() as session:
        entry, access, contributors = await readable_entry(session, services, entry_id, user)
        try:
            entry = await guide_edit.edit(session, access, entry, contributors, body,
                                          if_match, now)
        except guide_edit.Stale:
            # No rollback() here: it would expire the cached challenge rows this session
            # loaded; closing the session rolls back and leaves them as they are.
            result = None
        else:
            result = await render_entry(session, entry, access)
            await session.commit()
    if result is None:
        raise await _edit_conflict(services, entry_id, user)
    _etag(response, result.version)
    return result


@router.delete("/guide/entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
async def remove_entry(entry_id: EntryId, user: CurrentUser, services: Svc) -> Response:
    """Facilitators: take the entry out of the guide (undoable from the audit log)."""
    now = services.now()
    async with services.db.write() as session:
        entry, access, _ = await readable_entry(session, services, entry_id, user, lock=True)
        access.require_facilitator()
        entry.removed_at, entry.removed_by, entry.updated_at = now, user.id, now
        await guide_log.log(session, user, "guide_remove", [(entry.id, entry.challenge_id)],
                            {"entry": entry.id}, now)
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _history_reader(session: AsyncSession, services: Services, entry_id: int,
                          viewer: UserRow | None) -> GuideEntryRow:
    if viewer is None:
        raise ProblemError(401, "Sign in to see an entry's history.",
                           headers={"WWW-Authenticate": "Bearer"})
    entry, access, contributors = await readable_entry(session, services, entry_id, viewer)
    if not access.is_editor(entry, contributors):
        raise ProblemError(403, "An entry's history is for its lead, its contributors and "
                                "facilitators.")
    return entry


@router.get("/guide/entries/{entry_id}/versions")
async def list_versions(
    entry_id: EntryId, session: ReadDB, services: Svc, viewer: MaybeUser,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[EntryVersion]:
    """Every kept version, newest first, without their bodies (ask for one by number)."""
    await _history_reader(session, services, entry_id, viewer)
    V = GuideVersionRow
    query = (select(V, UserRow).outerjoin(UserRow, UserRow.id == V.author_id)
             .where(V.entry_id == entry_id).order_by(V.version.desc()).limit(limit + 1))
    tag = cursors.query_tag("guide-versions", entry_id)
    if cursor:
        (last,) = cursors.decode(cursor, tag, (int,))
        query = query.where(V.version < last)
    rows = list((await session.execute(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[EntryVersion](
        items=[version_out(v, u, with_body=False) for v, u in rows],
        next_cursor=cursors.encode(tag, [rows[-1][0].version]) if more else None)


@router.get("/guide/entries/{entry_id}/versions/{version}")
async def get_version(entry_id: EntryId, version: Annotated[int, Path(ge=1, le=MAX_ID)],
                      session: ReadDB, services: Svc, viewer: MaybeUser) -> EntryVersion:
    await _history_reader(session, services, entry_id, viewer)
    found = (await session.execute(
        select(GuideVersionRow, UserRow)
        .outerjoin(UserRow, UserRow.id == GuideVersionRow.author_id)
        .where(GuideVersionRow.entry_id == entry_id, GuideVersionRow.version == version)
    )).one_or_none()
    if found is None:
        raise not_found("version")
    return version_out(found[0], found[1], with_body=True)
