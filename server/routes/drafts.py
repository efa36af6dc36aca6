"""A signed-in person's drafts, kept on the server so that they follow the person from
desk to desk and survive a dropped connection (``/me/drafts``).

The value is the client's: any JSON, stored as compact JSON text, never read. A
person's drafts are theirs alone: another person's key answers exactly as a missing
one does (404, or 412 under ``If-Match``), and the list holds only one's own.

Writes of one person run one after another: each takes that person's ``users`` row
``FOR NO KEY UPDATE`` first (PostgreSQL; SQLite's write transactions are serial
anyway), so the count limit holds under concurrent PUTs of new keys, two PUTs of one
key leave one row (the last to commit wins, unless ``If-Match`` names a version), and
the lock does not block anything that only references the user (sessions, votes).
Nothing is held in the process: any number of instances behave as one.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.drafts_models import (
    DRAFT_KEY_PATTERN,
    MAX_DRAFT_KEY,
    Draft,
    DraftConflictProblem,
    DraftIn,
)
from client.models import VALIDATION, FieldError, Page
from server import cursors
from server.deps import CurrentUser, ReadDB, Svc
from server.guide_edit import IF_MATCH_PATTERN, expected_version
from server.problems import (
    DRAFT_CONFLICT,
    DRAFT_TOO_LARGE,
    TOO_MANY_DRAFTS,
    ProblemError,
    not_found,
)
from server.tables import DraftRow, UserRow

router = APIRouter(tags=["drafts"])

Key = Annotated[str, Path(min_length=1, max_length=MAX_DRAFT_KEY, pattern=DRAFT_KEY_PATTERN,
                          description="the client's name for the draft: ASCII letters, "
                                      "digits and . _ : -, starting with a letter or digit")]
IF_MATCH_DOC = ("only if the draft is at this version (its ETag: 3, \"3\" or W/\"3\"); "
                "else 412 with the draft as it is now")
# Read from the request rather than declared as parameters: FastAPI would document an
# optional header as string-or-null, and a client cannot send a null header.
_IF_MATCH = {"name": "If-Match", "in": "header", "required": False,
             "description": IF_MATCH_DOC,
             "schema": {"type": "string", "pattern": IF_MATCH_PATTERN}}
_IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                  "description": "*: only if there is no draft under this key yet (else 412)",
                  "schema": {"type": "string", "enum": ["*"]}}
_CONFLICT: dict[int | str, dict[str, Any]] = {412: {
    "model": DraftConflictProblem,
    "description": "If-Match or If-None-Match failed; 'current' is the draft now (absent "
                   "when there is none)"}}


def _preconditions(request: Request, *, put: bool) -> tuple[int | None, bool]:
    """The version ``If-Match`` names (None: any), and whether ``If-None-Match: *``
    asks for a new draft; 422 for what they cannot mean here."""
    if_match = request.headers.get("if-match")
    expected = None
    if if_match is not None:
        if not if_match.strip():
            raise _unreadable("If-Match", "If-Match must name one version: 3, \"3\" or "
                                          "W/\"3\".")
        expected = expected_version(if_match)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is None:
        return expected, False
    if not put or if_none_match.strip() != "*":
        raise _unreadable("If-None-Match", "If-None-Match may only be *, on PUT.")
    # With If-Match too, both must hold (RFC 9110 13.2.2): never both, so 412.
    return expected, True


def _unreadable(header: str, detail: str) -> ProblemError:
    return ProblemError(422, detail, type=VALIDATION,
                        errors=[FieldError(field=header, message="not understood")])


def _out(row: DraftRow) -> Draft:
    return Draft(key=row.key, value=json.loads(row.value), version=row.version,
                 created_at=row.created_at, updated_at=row.updated_at)


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _serialised(body: DraftIn, limit: int) -> str:
    """The value as compact JSON, within ``limit`` bytes of UTF-8."""
    # DraftIn refused what this cannot write (non-finite numbers, lone surrogates,
    # deep nesting); control characters come out escaped, so no NUL reaches the text.
    text = json.dumps(body.value, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
    size = len(text.encode("utf-8"))
    if size > limit:
        raise ProblemError(413, f"The draft is {size:,} bytes as JSON; at most {limit:,} "
                                "are kept.", type=DRAFT_TOO_LARGE, title="Draft too large")
    return text


def _conflict(row: DraftRow | None) -> ProblemError:
    if row is None:
        detail = "There is no draft under this key (it was deleted elsewhere, or never saved)."
        headers: dict[str, str] = {}
    else:
        detail = (f"The draft changed since you read it: it is at version {row.version} now "
                  "(in 'current'). Merge with it, or save again naming that version.")
        headers = {"ETag": f'"{row.version}"'}
    error = ProblemError(412, detail, type=DRAFT_CONFLICT, title="Draft conflict",
                         headers=headers)
    error.problem = DraftConflictProblem(**error.problem.model_dump(),
                                         current=_out(row) if row is not None else None)
    return error


async def _lock_person(session: AsyncSession, user: UserRow) -> None:
    await session.execute(select(UserRow.id).where(UserRow.id == user.id)
                          .with_for_update(key_share=True))


async def _find(session: AsyncSession, user: UserRow, key: str) -> DraftRow | None:
    return (await session.execute(select(DraftRow).where(
        DraftRow.user_id == user.id, DraftRow.key == key))).scalar_one_or_none()


@router.get("/me/drafts")
async def list_drafts(
    user: CurrentUser, session: ReadDB,
    prefix: Annotated[str | None, Query(
        max_length=MAX_DRAFT_KEY, pattern=r"^[A-Za-z0-9._:-]*$",
        description="only the keys that start with this")] = None,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Page[Draft]:
    """Your drafts with their values, in key order."""
    D = DraftRow
    query = select(D).where(D.user_id == user.id).order_by(D.key).limit(limit + 1)
    if prefix:
        query = query.where(func.substr(D.key, 1, len(prefix)) == prefix)
    tag = cursors.query_tag("drafts", user.id, prefix or "")
    if cursor:
        (last,) = cursors.decode(cursor, tag, (str,))
        query = query.where(D.key > last)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[Draft](items=[_out(row) for row in rows],
                       next_cursor=cursors.encode(tag, [rows[-1].key]) if more else None)


@router.get("/me/drafts/{key}")
async def get_draft(key: Key, user: CurrentUser, session: ReadDB, response: Response) -> Draft:
    """One of your drafts, with its version as the ``ETag``."""
    row = await _find(session, user, key)
    if row is None:
        raise not_found("draft")
    _etag(response, row.version)
    return _out(row)


@router.put("/me/drafts/{key}", responses=_CONFLICT,
            openapi_extra={"parameters": [_IF_MATCH, _IF_NONE_MATCH]})
async def put_draft(key: Key, body: DraftIn, user: CurrentUser, services: Svc,
                    request: Request, response: Response) -> Draft:
    """Keep the draft under ``key``, replacing what was there (the same PUT again changes
    nothing but ``version`` and ``updated_at``). Without a precondition the last write
    wins; ``If-Match`` writes only over the version you read, ``If-None-Match: *``
    only where there is none. A new key past the per-person number is 409."""
    settings = services.settings
    expected, create_only = _preconditions(request, put=True)
    text = _serialised(body, settings.draft_max_bytes)
    now = services.now()
    async with services.db.write() as session:
        await _lock_person(session, user)
        row = await _find(session, user, key)
        if (expected is not None and (row is None or row.version != expected)) or \
                (create_only and row is not None):
            raise _conflict(row)
        if row is None:
            count = (await session.execute(select(func.count()).select_from(DraftRow).where(
                DraftRow.user_id == user.id))).scalar_one()
            if count >= settings.drafts_per_user:
                raise ProblemError(409, f"You keep {count} drafts, the most there may be; "
                                        "delete some you no longer need first.",
                                   type=TOO_MANY_DRAFTS, title="Too many drafts")
            row = DraftRow(user_id=user.id, key=key, value=text, version=1, created_at=now,
                           updated_at=now)
            session.add(row)
        else:
            row.value, row.version, row.updated_at = text, row.version + 1, now
        await session.flush()
        result = _out(row)
        await session.commit()
    _etag(response, result.version)
    return result


@router.delete("/me/drafts/{key}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, responses=_CONFLICT,
               openapi_extra={"parameters": [_IF_MATCH]})
async def delete_draft(key: Key, user: CurrentUser, services: Svc,
                       request: Request) -> Response:
    """Forget the draft (404 when there is none); with ``If-Match`` only if it is still
    at that version, so a draft saved meanwhile at another desk is kept."""
    expected, _ = _preconditions(request, put=False)
    async with services.db.write() as session:
        await _lock_person(session, user)
        row = await _find(session, user, key)
        if expected is not None and (row is None or row.version != expected):
            raise _conflict(row)
        if row is None:
            raise not_found("draft")
        await session.execute(delete(DraftRow).where(DraftRow.user_id == user.id,
                                                     DraftRow.key == key))
        await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
