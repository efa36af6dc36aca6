"""The FastAPI application factory."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException

from client import __version__
from client.models import Problem
from client.text import STORABLE_PATTERN
from server import problems
from server.config import Settings
from server.db import Database
from server.deps import current_user
from server.middleware import RequestGuard
from server.routes import (
    auth,
    ballots,
    challenges,
    comments,
    drafts,
    events,
    flags,
    guide,
    guide_book,
    guide_talk,
    pairs,
    stats,
    submissions,
    votes,
)
from server.routes import moderation as moderation_routes
from server.security import Passwords
from server.services import Services, bus_for
from server.tables import utcnow

API = "/api/v1"


def create_app(settings: Settings | None = None,
               clock: Callable[[], datetime] = utcnow, *, freeze_gc: bool = False) -> FastAPI:
    """A new app; the database is connected by the lifespan, not here. ``freeze_gc``
    is for a serving process (not for tests that make many apps in one process)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.connect(settings.database_url, pool_size=settings.pool_size)
        passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib,
                              settings.hashing_threads)
        services = Services(settings=settings, db=db, passwords=passwords, clock=clock,
                            bus=bus_for(settings, db))
        app.state.services = services
        await services.bus.start()
        await services.live.start()
        services.publisher.start()
        if freeze_gc:
            # What start-up made (modules, SQLAlchemy's and FastAPI's structures) lives
            # as long as the process; frozen, full collections stop walking it each
            # time, which held every request in flight (p99 tails under load).
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await services.publisher.stop()
            await services.live.stop()
            await services.bus.stop()
            await db.dispose()

    app = FastAPI(
        title="Change Challenge",
        version=__version__,
        summary="Share, discuss and prioritise solutions, from the terminal.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # no browser assumed; the OpenAPI document is the reference
        redoc_url=None,
        responses={"default": {"model": Problem,
                               "description": "A problem (RFC 9457 problem details)"}},
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    problems.install(app)
    app.add_exception_handler(405, _method_not_allowed)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    for module in (stats, auth, challenges, submissions, comments, votes, pairs, flags, guide,
                   guide_talk, guide_book, drafts, events, ballots):
        app.include_router(module.router, prefix=API)
    app.include_router(moderation_routes.router, prefix=API)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error described as what we send: a problem."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                         routes=app.routes)
    problem = {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for code, response in responses.items():
                if code == "default" or code.startswith(("4", "5")):
                    response["content"] = problem
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and not _requires_sign_in(route.dependant):
            for method in route.methods or ():
                operation = schema["paths"][context.path_format][method.lower()]
                if "security" in operation:  # a token is optional here: say so
                    operation["security"] = [{}, *operation["security"]]
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query"):
                    _no_nul(parameter["schema"])
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    app.openapi_schema = schema
    return schema


def _no_nul(schema: dict[str, Any]) -> None:
    """An address holding NUL is refused (server/middleware.py): say so of its strings."""
    for branch in [schema, *schema.get("anyOf", [])]:
        if branch.get("type") == "string" and "pattern" not in branch:
            branch["pattern"] = STORABLE_PATTERN


def _requires_sign_in(dependant: Dependant) -> bool:
    return any(d.call is current_user or _requires_sign_in(d) for d in dependant.dependencies)


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """405 with every method the path has in ``Allow``: Starlette names only those of the
    first route that matched the path (GET and PATCH on one path are two routes)."""
    assert isinstance(exc, HTTPException)
    allowed = {m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()}
    for template, operations in request.app.openapi()["paths"].items():
        # "/submissions/{submission_id}" matches what Starlette's "[^/]+" would
        pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^/]*?\}", template))
        if re.fullmatch(pattern, request.scope["path"]):
            allowed |= {method.upper() for method in operations}
    if "GET" in allowed:
        allowed.add("HEAD")  # server.middleware answers HEAD wherever GET is answered
    problem = Problem(title="Method not allowed", status=405, detail="Method Not Allowed")
    return problems.problem_response(problem, request, {"Allow": ", ".join(sorted(allowed))})


def factory() -> FastAPI:
    """For ``uvicorn --factory server.app:factory``: settings from the environment."""
    return create_app(freeze_gc=True)
