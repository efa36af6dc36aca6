"""A person's drafts on the server (``/me/drafts``), as a mixin ``ChallengeClient``
inherits: what the app keeps while someone writes, so that it follows them to another
desk and survives a dropped connection."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import quote

from pydantic import JsonValue, ValidationError

from client.drafts_models import DRAFT_KEY_PATTERN, MAX_DRAFT_KEY, Draft, DraftIn
from client.errors import DraftConflict, Invalid, NotFound
from client.models import FieldError, Page, field_error, validation_problem

if TYPE_CHECKING:
    from client.transport import Transport

_KEY = re.compile(DRAFT_KEY_PATTERN)


def _path(key: str) -> str:
    """The draft's address; a key the server would refuse raises ``Invalid`` here."""
    if len(key) > MAX_DRAFT_KEY or not _KEY.match(key):
        raise Invalid(validation_problem([FieldError(
            field="key", message="letters, digits and . _ : - (at most 100), starting "
                                 "with a letter or digit")]))
    return f"/me/drafts/{quote(key, safe='')}"


def _preconditions(version: int | None, create_only: bool) -> dict[str, str]:
    if version is not None and create_only:
        raise ValueError("version and create_only exclude each other")
    if version is not None:
        return {"If-Match": f'"{version}"'}
    return {"If-None-Match": "*"} if create_only else {}


class DraftsMixin:
    """Drafts: any JSON the client chooses, under keys it chooses (``submission:change``,
    ``queue:<idempotency key>``, ``guide:12``), one person's alone."""

    _t: Transport

    async def list_drafts(self, *, prefix: str | None = None, cursor: str | None = None,
                          limit: int = 20) -> Page[Draft]:
        """Your drafts with their values, in key order; ``prefix`` narrows the keys."""
        return await self._t.call("GET", "/me/drafts", Page[Draft],
                                  params={"prefix": prefix, "cursor": cursor, "limit": limit})

    async def iter_drafts(self, *, prefix: str | None = None,
                          page_size: int = 50) -> AsyncIterator[Draft]:
        cursor: str | None = None
        while True:
            page = await self.list_drafts(prefix=prefix, cursor=cursor, limit=page_size)
            for draft in page.items:
                yield draft
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def get_draft(self, key: str) -> Draft:
        """``NotFound`` when there is none under ``key``."""
        return await self._t.call("GET", _path(key), Draft)

    async def put_draft(self, key: str, value: JsonValue, *, version: int | None = None,
                        create_only: bool = False) -> Draft:
        """Keep ``value`` under ``key``, replacing what is there (the last write wins).

        ``version``: write only over that version (the ``version`` of the draft you
        read or last saved); ``create_only``: only if there is no draft yet. Either way a
        failed precondition raises ``DraftConflict`` with the draft as it is now in
        ``current`` (None when gone) — unless it holds ``value`` already (a retried write
        that had arrived), which is returned. ``TooManyDrafts`` (409) for a new key past
        the per-person number, ``DraftTooLarge`` (413) for a value over the size kept.
        """
        headers = _preconditions(version, create_only)
        try:
            body = DraftIn(value=value)
        except ValidationError as exc:
            raise Invalid(validation_problem([field_error(e) for e in exc.errors()])) from None
        try:
            return await self._t.call("PUT", _path(key), Draft, body=body, headers=headers)
        except DraftConflict as exc:
            if exc.current is not None and exc.current.value == body.value:
                return exc.current
            raise

    async def delete_draft(self, key: str, *, version: int | None = None,
                           missing_ok: bool = False) -> None:
        """Forget the draft. ``version``: only if it is still at that version
        (``DraftConflict`` otherwise: it was saved meanwhile elsewhere). ``NotFound``
        when there is none, unless ``missing_ok``."""
        try:
            await self._t.send("DELETE", _path(key), headers=_preconditions(version, False))
        except NotFound:
            if not missing_ok:
                raise
