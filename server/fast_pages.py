"""A page of submissions answered straight from the page cache, before FastAPI.

A cached page cost about 0.9 ms of server CPU, of which the page itself (the cache
lookup, the viewer's votes, the bytes) was a small part: FastAPI's routing, its
dependency solving and parameter validation were most of it, per request, for a
request whose answer was already bytes. So ``answer`` serves the one common shape of
that request here: ``GET /api/v1/challenges/{slug}/submissions`` with plainly valid
parameters, by a viewer whose token and challenge are cached, of a page that is
cached. It answers exactly what ``server.routes.submissions.list_submissions`` would
(the same calls, in the same order); anything else, and anything that goes wrong
before the first byte is sent, is left to the app, which answers it the full way
(validation problems, 401/403, a database that is down, a page not yet cached).
"""

from __future__ import annotations

import re
from typing import Any, cast
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import Scope, Send

from client.models import Sort
from server import cursors, listing, pages
from server.cache import ChallengeInfo
from server.deps import is_moderator
from server.phases import counts_visible
from server.security import hash_token
from server.services import Services
from server.tables import UserRow

_PATH = re.compile(r"^/api/v1/challenges/([^/]+)/submissions$")
_LIMIT = re.compile(r"^(?:[1-9][0-9]?|100)$")
_TOKEN = re.compile(r"^Bearer ([^\s]+)$")
# The parameters served here, and the longest value the route accepts for each.
_PARAMS = {"sort": 10, "kind": 10, "limit": 3, "q": 200, "theme": 60, "cursor": 500}
_SORTS = ("top", "new", "discussed")  # shared pages, with a fixed cursor shape
_KINDS = ("story", "idea")
_SLUG = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


class _NotHere(Exception):
    """Left to the app."""


def _params(query: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(query.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise _NotHere from None
    found: dict[str, str] = {}
    for name, value in pairs:
        if name not in _PARAMS or name in found or not value or len(value) > _PARAMS[name]:
            raise _NotHere
        found[name] = value
    if found.get("sort", "new") not in _SORTS or found.get("kind", "story") not in _KINDS:
        raise _NotHere
    if not _LIMIT.match(found.get("limit", "20")):
        raise _NotHere
    if "cursor" in found and not re.fullmatch(r"[A-Za-z0-9_-]+", found["cursor"]):
        raise _NotHere
    return found


def _viewer(scope: Scope, services: Services) -> UserRow | None:
    authorization = [v for k, v in scope["headers"] if k == b"authorization"]
    if not authorization:
        return None
    matched = len(authorization) == 1 and _TOKEN.match(authorization[0].decode("latin-1"))
    if not matched:
        raise _NotHere
    signed_in = services.tokens.get(hash_token(matched.group(1)))
    if signed_in is None or signed_in.expires_at <= services.now() or signed_in.user.blocked:
        raise _NotHere  # not cached, expired or blocked: the app says which
    return signed_in.user


async def answer(scope: Scope, send: Send) -> bool:
    """Answer the request from the page cache if it is that request; False if not (and
    nothing was sent)."""
    if scope["method"] != "GET":
        return False
    matched = _PATH.match(scope["path"])
    if matched is None or not _SLUG.match(matched.group(1)):
        return False
    app: Any = scope.get("app")
    services: Services | None = getattr(getattr(app, "state", None), "services", None)
    if services is None or not services.pages.enabled:
        return False
    try:
        body = await _page(services, matched.group(1), scope)
    except Exception:  # whatever it is, the app answers it the full way
        return False
    await Response(body, media_type="application/json")(scope, _no_receive, send)
    return True


async def _no_receive() -> dict[str, Any]:
    raise RuntimeError("a GET has no body to read")


async def _page(services: Services, slug: str, scope: Scope) -> bytes:
    params = _params(scope.get("query_string", b""))
    # As get_services does, before any cache is read.
    await services.invalidate.fresh()
    viewer = _viewer(scope, services)
    if is_moderator(viewer):
        raise _NotHere
    info: ChallengeInfo | None = services.challenges.cached(slug)
    if info is None:
        raise _NotHere
    challenge, phases = info
    sort, kind = cast(Sort, params.get("sort", "new")), params.get("kind")
    q, theme, cursor = params.get("q"), params.get("theme"), params.get("cursor")
    limit = int(params.get("limit", "20"))
    counts = counts_visible(phases, services.now())
    if sort in ("top", "pairwise", "bridging") and not counts:
        raise _NotHere  # a 403
    viewer_key = f"user:{viewer.id}" if viewer else "anonymous"
    tag = cursors.query_tag(challenge.id, kind, sort, q, theme, viewer_key, False)
    after = cursors.decode(cursor, tag, listing.CURSOR_TYPES[sort]) if cursor else []
    key = pages.PageKey(challenge.id, kind, sort, theme, q, tuple(after), limit, counts)
    shared = services.pages.get(key)
    if shared is None:
        raise _NotHere
    votes = await pages.my_votes(services.db, viewer, challenge.id, shared, services.pages.votes)
    items = pages.for_viewer(shared, challenge.slug, viewer, counts, votes)
    cursor_out = None if shared.next_key is None else cursors.encode(tag, list(shared.next_key))
    return pages.page_json(items, cursor_out)
