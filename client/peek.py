"""A first look at the server: JSON GETs with the standard library alone.

The terminal app's first screen needs a few small GETs, and httpx and pydantic cost
about 150 ms to import: more than the rest of its start-up. ``Peek`` asks the same API
over asyncio streams (HTTP/1.1, a connection per request) and returns the decoded
JSON, unchecked. It gives up (``Unavailable``) whenever it could not do what the full
client would: a proxy in the environment, any answer but 200, anything unexpected.
The caller then goes the full client's way, which reports what is wrong properly.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from client.connection import API_PREFIX, USER_AGENT, ssl_context

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
MAX_BODY = 8 * 1024 * 1024


class Unavailable(Exception):
    """The first look did not work out; use the full client."""


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
        """``GET {server}/api/v1{path}`` as JSON; ``Unavailable`` for anything but a 200.

        ``path`` is sent as given: percent-encode what goes into it."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._get(path, params)
        except (OSError, EOFError, TimeoutError, ValueError) as exc:
            raise Unavailable(f"GET {path}: {type(exc).__name__}: {exc}") from exc

    async def _get(self, path: str, params: dict[str, object]) -> Any:
        url = urlsplit(self.server)
        tls = url.scheme == "https"
        host = url.hostname or ""
        port = url.port or (443 if tls else 80)
        query = urlencode({k: v for k, v in params.items() if v is not None})
        target = url.path.rstrip("/") + API_PREFIX + path + (f"?{query}" if query else "")
        if not self.token.isascii() or not self.token.isprintable():
            raise Unavailable("the token is not one a server could have issued")
        head = (f"GET {target} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                f"User-Agent: {USER_AGENT}\r\nAccept: application/json\r\n"
                f"Authorization: Bearer {self.token}\r\nConnection: close\r\n\r\n")
        context = ssl_context(self.ca_bundle) if tls else None
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=host if tls else None)
        try:
            writer.write(head.encode("ascii"))
            status = (await reader.readline()).split(b" ", 2)
            if len(status) < 2 or status[1] != b"200":
                said = b" ".join(status[1:]).decode(errors="replace").strip()
                raise Unavailable(f"GET {path}: {said}")
            headers: dict[bytes, bytes] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                body = await _chunked(reader)
            elif (length := headers.get(b"content-length")) is not None:
                if int(length) > MAX_BODY:
                    raise Unavailable(f"GET {path}: {int(length)} bytes is more than expected")
                body = await reader.readexactly(int(length))
            else:
                body = await reader.read(MAX_BODY)
            return json.loads(body)
        finally:
            writer.close()
            if not tls:  # a TLS close waits for the peer's close_notify: not worth it here
                await writer.wait_closed()


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    size = 0
    while (chunk := int((await reader.readline()).split(b";")[0], 16)) > 0:
        size += chunk
        if size > MAX_BODY:
            raise Unavailable("the answer is larger than expected")
        parts.append(await reader.readexactly(chunk))
        await reader.readline()
    return b"".join(parts)

