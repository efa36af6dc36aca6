"""ASGI middleware: a request id on every response, HEAD as GET without the body, and
the body size cap."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from client.models import Problem
from server import fast_pages
from server.problems import PROBLEM_JSON

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BodyTooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so FastAPI's body reader passes it on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit // 1024} KiB.")


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        # HEAD is GET without the body (RFC 9110), for every GET route: FastAPI's routes
        # answer only the methods they declare.
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}  # the headers still say GET's length
            await send(message)

        # NUL cannot reach PostgreSQL (it is an error there, so it would be a 500).
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        if b"\x00" in raw_path or b"%00" in raw_path or b"%00" in scope.get("query_string", b""):
            await self._reject(send_with_id, request_id, 422, "Invalid request",
                               "The address contains a NUL character.")
            return

        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._reject(send_with_id, request_id, 413, "Request body too large",
                               f"The request body is larger than "
                               f"{self.max_body_bytes // 1024} KiB.")
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        # A cached page is already bytes: served before FastAPI when it is plainly that.
        if await fast_pages.answer(scope, send_with_id):
            return
        await self.app(scope, limited_receive, send_with_id)

    async def _reject(self, send: Send, request_id: str, status: int, title: str,
                      detail: str) -> None:
        problem = Problem(title=title, status=status, request_id=request_id, detail=detail)
        body = problem.model_dump_json(exclude_none=True).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", PROBLEM_JSON.encode()),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
