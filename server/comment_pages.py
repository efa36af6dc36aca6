"""A page of a submission's comments, for ``GET /submissions/{id}/comments`` and for the
first page that ``GET /submissions/{id}?comments=N`` embeds (one request to open one)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import Comment, Page
from server import cursors
from server.tables import CommentRow, UserRow
from server.views import comment_out


async def comment_page(session: AsyncSession, submission_id: int, viewer: UserRow | None,
                       cursor: str | None, limit: int) -> Page[Comment]:
    """Oldest first; a signed-in viewer also gets their own comments that are not
    published. The caller has checked that the viewer may see the submission."""
    tag = cursors.query_tag("comments", submission_id, viewer.id if viewer else None)
    shown = CommentRow.status == "published"
    if viewer is not None:
        shown = or_(shown, CommentRow.author_id == viewer.id)
    query = (select(CommentRow, UserRow).join(UserRow, UserRow.id == CommentRow.author_id)
             .where(CommentRow.submission_id == submission_id, shown)
             .order_by(CommentRow.id).limit(limit + 1))
    if cursor:
        (last_id,) = cursors.decode(cursor, tag, (int,))
        query = query.where(CommentRow.id > last_id)
    rows = list(await session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[Comment](items=[comment_out(c, u, viewer) for c, u in rows],
                         next_cursor=cursors.encode(tag, [rows[-1][0].id]) if more else None)
