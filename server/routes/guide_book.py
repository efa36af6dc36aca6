"""The assembled guide (JSON), its order (facilitators) and its publication (admins).
Both changes are in the audit log and undoable (server/guide_book.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import exists, or_, select

from client.guide_models import Guide, GuideEntry, GuideFormat, GuideOrder, GuidePublication
from client.models import Page
from server import guide_log
from server.deps import Admin, CurrentUser, MaybeUser, ReadDB, Svc
from server.guide_access import access_for
from server.guide_book import (
    assemble,
    check_order,
    live_positions,
    publication,
    set_positions,
)
from server.guide_export import guide_html, guide_markdown
from server.guide_sources import lock_challenge
from server.guide_tables import GuideContributorRow, GuideEntryRow, GuidePublicationRow
from server.guide_views import render_entries
from server.problems import ProblemError

router = APIRouter(tags=["guide"])

E = GuideEntryRow


_MEDIA = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
_SUFFIX = {"markdown": "md", "html": "html"}


@router.get("/challenges/{slug}/guide", response_model=Guide, responses={200: {
    "description": "The guide, in the format asked for",
    "content": {"application/json": {}, "text/markdown": {}, "text/html": {}}}})
async def get_guide(
    slug: str, session: ReadDB, services: Svc, viewer: MaybeUser,
    format: Annotated[GuideFormat, Query(
        description="json, markdown, or html (a standalone page to print)")] = "json",
) -> Guide | Response:
    """The guide: chapters by theme, entries in the facilitators' order, every source.
    Anyone's once published; until then its facilitators' and contributors' (the lead
    or a contributor of one of its entries)."""
    challenge, _ = await services.challenges.by_slug(session, slug)
    access = await access_for(session, services, challenge.id, viewer)
    if not access.published and not access.facilitator:
        if viewer is None:
            raise ProblemError(401, "Sign in to see the guide: it is not published yet.",
                               headers={"WWW-Authenticate": "Bearer"})
        writes = (await session.execute(select(exists().where(
            E.challenge_id == challenge.id, E.removed_at.is_(None),
            or_(E.lead_id == viewer.id, exists().where(
                GuideContributorRow.entry_id == E.id,
                GuideContributorRow.user_id == viewer.id)))))).scalar_one()
        if not writes:
            raise ProblemError(403, "The guide is not published yet: its facilitators and "
                                    "contributors see it until then.")
    guide = await assemble(session, access)
    if format == "json":
        return guide
    render = guide_markdown if format == "markdown" else guide_html
    return Response(render(guide, services.now()), media_type=_MEDIA[format], headers={
        "Content-Disposition": f'inline; filename="{challenge.slug}-guide.{_SUFFIX[format]}"'})


@router.put("/challenges/{slug}/guide/order")
async def order_guide(slug: str, body: GuideOrder, user: CurrentUser,
                      services: Svc) -> Page[GuideEntry]:
    """Facilitators: the guide's entries in a new order (every one of them, once)."""
    now = services.now()
    async with services.db.write() as session:
        challenge, _ = await services.challenges.by_slug(session, slug)
        access = await access_for(session, services, challenge.id, user)
        access.require_facilitator()
        await lock_challenge(session, challenge.id)
        before = await live_positions(session, challenge.id)
        check_order(body.entries, list(before))
        after = {ident: position for position, ident in enumerate(body.entries)}
        if after != before:
            await set_positions(session, after)
            await guide_log.log(session, user, "guide_order",
                                [(ident, challenge.id) for ident in body.entries],
                                {"challenge": challenge.id,
                                 "before": [[i, p] for i, p in before.items()],
                                 "after": [[i, p] for i, p in after.items()]}, now)
        rows = (await session.execute(
            select(E).where(E.challenge_id == challenge.id, E.removed_at.is_(None))
            .order_by(E.position, E.id).execution_options(populate_existing=True))).scalars()
        result = Page[GuideEntry](items=await render_entries(session, list(rows), access))
        await session.commit()
    return result


@router.put("/challenges/{slug}/guide/publication")
async def publish_guide(slug: str, body: GuidePublication, admin: Admin,
                        services: Svc) -> Guide:
    """Admins: publish the guide (anyone may read it then) or take it back."""
    now = services.now()
    async with services.db.write() as session:
        challenge, _ = await services.challenges.by_slug(session, slug)
        await lock_challenge(session, challenge.id)
        pub = await publication(session, challenge.id, lock=True)
        if pub is None:
            pub = GuidePublicationRow(challenge_id=challenge.id, published=False,
                                      published_at=None, updated_at=now)
            session.add(pub)
        if pub.published != body.published:
            before = {"published": pub.published,
                      "published_at": pub.published_at.isoformat() if pub.published_at
                      else None}
            pub.published = body.published
            pub.published_at = now if body.published else None
            pub.updated_by, pub.updated_at = admin.id, now
            await guide_log.log(session, admin, "guide_publish", [],
                                {"challenge": challenge.id, "before": before,
                                 "after": {"published": body.published}}, now,
                                challenge=challenge.id)
        await session.flush()
        result = await assemble(session, await access_for(session, services, challenge.id,
                                                          admin))
        await session.commit()
    return result
