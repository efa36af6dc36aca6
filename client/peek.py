"""A first look at the server: JSON GETs with the standard library alone.

The terminal app's first screen needs a few small GETs, and httpx and pydantic cost
about 150 ms to import: more than the rest of its start-up. ``Peek`` asks the same API
over asyncio streams and returns the decoded JSON, unchecked. Its requests go on one
connection, kept open while they are asked, and those asked together are sent at once
(HTTP/1.1 pipelining: the server answers them in order), so the first screen costs the
connection's set-up and one round trip, however many answers it needs. It gives up
(``Unavailable``) whenever it could not do what the full client would: a proxy in the
environment, anything unexpected. The caller then goes the full client's way, which
reports what is wrong properly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from client.connection import API_PREFIX, USER_AGENT, ssl_context

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
MAX_BODY = 8 * 1024 * 1024
FAILURES = (OSError, EOFError, TimeoutError, ValueError, asyncio.IncompleteReadError)

Ask = tuple[str, Mapping[str, object]]  # a path (percent-encoded) and its query


class Unavailable(Exception):
    """The first look did not work out; use the full client."""


@dataclass(frozen=True)
class Answer:
    path: str
    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON if the status is 200; ``Unavailable`` otherwise."""
        if self.status != 200:
            raise Unavailable(f"GET {self.path}: {self.status}")
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise Unavailable(f"GET {self.path}: {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True)
class Peek:
    server: str
    token: str
    ca_bundle: Path | None = None
    timeout: float = 5.0

    @staticmethod
    def applies(server: str, environ: dict[str, str] | None = None) -> bool:
        """False when requests would go through a proxy (httpx honours them; this does not)."""
        environ = dict(os.environ) if environ is None else environ
        names = {name.lower() for name, value in environ.items() if value}
        return server.startswith(("http://", "https://")) and not names.intersection(
            PROXY_VARIABLES)

    async def get(self, path: str, **params: object) -> Any:
        """``GET {server}/api/v1{path}`` as JSON on a connection of its own;
        ``Unavailable`` for anything but a 200.

        ``path`` is sent as given: percent-encode what goes into it."""
        async with self.connect() as channel:
            (answer,) = await channel.ask((path, params))
        return answer.json()

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[Channel]:
        """A connection to the server for as long as the block lasts."""
        if not self.token.isascii() or not self.token.isprintable():
            raise Unavailable("the token is not one a server could have issued")
        url = urlsplit(self.server)
        tls = url.scheme == "https"
        host = url.hostname or ""
        try:
            async with asyncio.timeout(self.timeout):
                context = ssl_context(self.ca_bundle) if tls else None
                reader, writer = await asyncio.open_connection(
                    host, url.port or (443 if tls else 80), ssl=context,
                    server_hostname=host if tls else None)
        except FAILURES as exc:
            raise Unavailable(f"connecting: {type(exc).__name__}: {exc}") from exc
        try:
            yield Channel(self, reader, writer, url.netloc, url.path.rstrip("/") + API_PREFIX)
        finally:
            writer.close()
            if not tls:  # a TLS close waits for the peer's close_notify: not worth it here
                with contextlib.suppress(OSError):
                    await writer.wait_closed()


class Channel:
    """One kept connection: ``ask`` sends its requests together, answers come in order."""

    def __init__(self, peek: Peek, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 netloc: str, prefix: str) -> None:
        self.peek, self.reader, self.writer = peek, reader, writer
        self.netloc, self.prefix = netloc, prefix
        self.closed = False  # the server said it closes, or ended an answer by closing

    async def ask(self, *asks: Ask) -> list[Answer]:
        """The answers to ``asks``, sent at once; ``Unavailable`` if the connection fails
        (an answer that is not a 200 is an answer: ``Answer.json`` gives up on it)."""
        if self.closed:
            raise Unavailable("the server closed the connection")
        heads = []
        for path, params in asks:
            query = urlencode({k: v for k, v in params.items() if v is not None})
            heads.append(f"GET {self.prefix}{path}{f'?{query}' if query else ''} HTTP/1.1\r\n"
                         f"Host: {self.netloc}\r\nUser-Agent: {USER_AGENT}\r\n"
                         f"Accept: application/json\r\n"
                         f"Authorization: Bearer {self.peek.token}\r\n\r\n")
        try:
            async with asyncio.timeout(self.peek.timeout):
                self.writer.write("".join(heads).encode("ascii"))
                return [await self._answer(path) for path, _ in asks]
        except FAILURES as exc:
            self.closed = True
            raise Unavailable(f"GET {asks[0][0]}: {type(exc).__name__}: {exc}") from exc

    async def _answer(self, path: str) -> Answer:
        if self.closed:
            raise Unavailable(f"GET {path}: the server closed the connection")
        status = (await self.reader.readline()).split(b" ", 2)
        if len(status) < 2 or not status[0].startswith(b"HTTP/1."):
            raise Unavailable(f"GET {path}: not an HTTP answer")
        headers: dict[bytes, bytes] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"connection", b"").lower() == b"close":
            self.closed = True
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = await _chunked(self.reader)
        elif (length := headers.get(b"content-length")) is not None:
            if int(length) > MAX_BODY:
                raise Unavailable(f"GET {path}: {int(length)} bytes is more than expected")
            body = await self.reader.readexactly(int(length))
        else:  # the answer ends when the connection does
            body = await self.reader.read(MAX_BODY)
            self.closed = True
        return Answer(path, int(status[1]), body)


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    size = 0
    while (chunk := int((await reader.readline()).split(b";")[0], 16)) > 0:
        size += chunk
        if size > MAX_BODY:
            raise Unavailable("the answer is larger than expected")
        parts.append(await reader.readexactly(chunk))
        await reader.readline()
    # The trailer, to its empty line: the next answer on the connection starts after it.
    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)

