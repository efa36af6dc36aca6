"""The develop stage's endpoints, as a mixin ``ChallengeClient`` inherits: one client
class for users, this file for the guide (suggestions, entries, versions, pledges,
comments, flags)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import ValidationError

from client.errors import Invalid
from client.guide_models import (
    EntryComment,
    EntryCommentCreate,
    EntryCreate,
    EntryStatus,
    EntryUpdate,
    EntryVersion,
    Guide,
    GuideEntry,
    GuideOrder,
    GuidePublication,
    Pledge,
    PledgeIn,
    Suggestions,
)
from client.models import (
    Flag,
    FlagCreate,
    FlagReason,
    Page,
    Request,
    field_error,
    validation_problem,
)

if TYPE_CHECKING:
    from client.transport import Transport

R = TypeVar("R", bound=Request)


def _body(model: type[R], **fields: Any) -> R:
    """As ``client.api._request``: what the server would refuse raises ``Invalid``."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise Invalid(validation_problem([field_error(e) for e in exc.errors()])) from None


def _slug(slug: str) -> str:
    return quote(slug, safe="")


class GuideMixin:
    """Guide entries: shortlisted from submissions by facilitators, developed by their
    lead and contributors (every edit a kept version), pledged to and discussed by
    everyone while the phase allows ``develop``."""

    _t: Transport

    async def guide_suggestions(self, slug: str, *, per_theme: int = 5) -> Suggestions:
        """Facilitators: per theme, the top-rated published submissions not in the guide."""
        return await self._t.call("GET", f"/challenges/{_slug(slug)}/guide/suggestions",
                                  Suggestions, params={"per_theme": per_theme})

    async def create_guide_entry(self, slug: str, submission_id: int, *,
                                 theme: str | None = None,
                                 idempotency_key: str | None = None) -> GuideEntry:
        """Facilitators: shortlist a published submission into the guide. ``Conflict``
        (409) when it is in the guide already."""
        fields: dict[str, Any] = {"submission_id": submission_id}
        if theme is not None:
            fields["theme"] = theme
        return await self._t.call("POST", f"/challenges/{_slug(slug)}/guide/entries",
                                  GuideEntry, body=_body(EntryCreate, **fields),
                                  idempotency_key=idempotency_key)

    async def list_guide_entries(self, slug: str, *, cursor: str | None = None,
                                 limit: int = 50) -> Page[GuideEntry]:
        """The entries this user may read, in guide order."""
        return await self._t.call("GET", f"/challenges/{_slug(slug)}/guide/entries",
                                  Page[GuideEntry], params={"cursor": cursor, "limit": limit})

    async def iter_guide_entries(self, slug: str, *,
                                 page_size: int = 100) -> AsyncIterator[GuideEntry]:
        cursor: str | None = None
        while True:
            page = await self.list_guide_entries(slug, cursor=cursor, limit=page_size)
            for entry in page.items:
                yield entry
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def get_guide_entry(self, entry_id: int) -> GuideEntry:
        """The entry; its ``version`` is what an edit of it names."""
        return await self._t.call("GET", f"/guide/entries/{entry_id}", GuideEntry)

    async def update_guide_entry(self, entry_id: int, changes: EntryUpdate, *,
                                 version: int) -> GuideEntry:
        """Edit the entry that was at ``version`` when the edit began: a new version.

        ``EditConflict`` (412) when someone else's edit came first: its ``current`` is
        the entry now (start again from it; nothing was overwritten).
        ``PhaseClosed`` outside the develop phase (for text); ``Forbidden`` for fields
        that are not the caller's to change.
        """
        return await self._t.call("PATCH", f"/guide/entries/{entry_id}", GuideEntry,
                                  body=changes, headers={"If-Match": f'"{version}"'})

    async def edit_guide_entry(self, entry_id: int, *, version: int, title: str | None = None,
                               body: str | None = None, status: EntryStatus | None = None,
                               review_on: date | None = None) -> GuideEntry:
        """``update_guide_entry`` with the common fields as arguments (None: unchanged)."""
        fields = {k: v for k, v in {"title": title, "body": body, "status": status,
                                    "review_on": review_on}.items() if v is not None}
        return await self.update_guide_entry(entry_id, _body(EntryUpdate, **fields),
                                             version=version)

    async def restore_guide_version(self, entry_id: int, restore: int, *,
                                    version: int) -> GuideEntry:
        """Bring back the title and text of version ``restore``, as a new version."""
        return await self.update_guide_entry(
            entry_id, _body(EntryUpdate, restored_from=restore), version=version)

    async def remove_guide_entry(self, entry_id: int) -> None:
        """Facilitators: take the entry out of the guide (undo it from the audit log)."""
        await self._t.send("DELETE", f"/guide/entries/{entry_id}")

    async def list_guide_versions(self, entry_id: int, *, cursor: str | None = None,
                                  limit: int = 20) -> Page[EntryVersion]:
        """The kept versions, newest first, without their text."""
        return await self._t.call("GET", f"/guide/entries/{entry_id}/versions",
                                  Page[EntryVersion], params={"cursor": cursor, "limit": limit})

    async def get_guide_version(self, entry_id: int, version: int) -> EntryVersion:
        return await self._t.call("GET", f"/guide/entries/{entry_id}/versions/{version}",
                                  EntryVersion)

    async def pledge_guide_entry(self, entry_id: int, note: str = "") -> Pledge:
        """Pledge to test the solution (one per person; again to change the note)."""
        return await self._t.call("PUT", f"/guide/entries/{entry_id}/pledge", Pledge,
                                  body=_body(PledgeIn, note=note))

    async def withdraw_guide_pledge(self, entry_id: int) -> None:
        await self._t.send("DELETE", f"/guide/entries/{entry_id}/pledge")

    async def list_guide_comments(self, entry_id: int, *, cursor: str | None = None,
                                  limit: int = 50) -> Page[EntryComment]:
        return await self._t.call("GET", f"/guide/entries/{entry_id}/comments",
                                  Page[EntryComment], params={"cursor": cursor, "limit": limit})

    async def add_guide_comment(self, entry_id: int, body: str, *,
                                idempotency_key: str | None = None) -> EntryComment:
        return await self._t.call("POST", f"/guide/entries/{entry_id}/comments", EntryComment,
                                  body=_body(EntryCommentCreate, body=body),
                                  idempotency_key=idempotency_key)

    async def flag_guide_entry(self, entry_id: int, reason: FlagReason, note: str = "", *,
                               idempotency_key: str | None = None) -> Flag:
        return await self._t.call("POST", f"/guide/entries/{entry_id}/flags", Flag,
                                  body=_body(FlagCreate, reason=reason, note=note),
                                  idempotency_key=idempotency_key)

    async def flag_guide_comment(self, comment_id: int, reason: FlagReason, note: str = "", *,
                                 idempotency_key: str | None = None) -> Flag:
        return await self._t.call("POST", f"/guide/comments/{comment_id}/flags", Flag,
                                  body=_body(FlagCreate, reason=reason, note=note),
                                  idempotency_key=idempotency_key)

    async def get_guide(self, slug: str) -> Guide:
        """The assembled guide: chapters by theme, entries in order, every source."""
        return await self._t.call("GET", f"/challenges/{_slug(slug)}/guide", Guide,
                                  params={"format": "json"})

    async def export_guide(self, slug: str, format: Literal["markdown", "html"]) -> str:
        """The guide as Markdown, or as a standalone HTML page to print."""
        response = await self._t.send("GET", f"/challenges/{_slug(slug)}/guide",
                                      params={"format": format})
        return response.text

    async def order_guide(self, slug: str, entries: list[int]) -> Page[GuideEntry]:
        """Facilitators: every entry of the guide, once, in the order wanted."""
        return await self._t.call("PUT", f"/challenges/{_slug(slug)}/guide/order",
                                  Page[GuideEntry], body=_body(GuideOrder, entries=entries))

    async def publish_guide(self, slug: str, published: bool = True) -> Guide:
        """Admins: publish the guide (or take it back)."""
        return await self._t.call("PUT", f"/challenges/{_slug(slug)}/guide/publication",
                                  Guide, body=_body(GuidePublication, published=published))
