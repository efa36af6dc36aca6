"""A lean HTTP/1.1 keep-alive client for generating load.

The load generator shares this machine's two cores with the server (and with
PostgreSQL). httpx spent ~2.4 ms of CPU per request here, as much as the server
spent answering it, so the benchmark measured the two competing for CPU. This
client writes a prepared request and reads the answer by Content-Length: a
fraction of that cost, in the spirit of wrk. It checks the status and that the
body is not an empty page; it does not parse JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlencode, urlsplit


class HttpError(RuntimeError):
    pass


class RawClient:
    """One keep-alive connection; one request at a time."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"plain http only: {base_url}")
        self.host, self.port = parts.hostname, parts.port or 80
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._head = f"Host: {self.host}:{self.port}\r\n{extra}\r\n".encode("latin-1")
        self._prepared: dict[tuple[str, str], bytes] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    def _request(self, path: str, params: dict[str, str] | None) -> bytes:
        query = urlencode(params or {})
        key = (path, query)
        request = self._prepared.get(key)
        if request is None:
            target = f"{path}?{query}" if query else path
            request = f"GET {target} HTTP/1.1\r\n".encode("latin-1") + self._head
            self._prepared[key] = request
        return request

    async def get(self, path: str, params: dict[str, str] | None = None) -> tuple[int, bytes]:
        """Status and body; reconnects once if the server closed an idle connection."""
        return await self._send(self._request(path, params))

    async def send_json(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """``method`` with a JSON ``body`` (bytes already); status and answer."""
        head = (f"{method} {path} HTTP/1.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n").encode("latin-1")
        return await self._send(head + self._head + body)

    async def _send(self, request: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                self._writer.write(request)
                return await self._read()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.aclose()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read(self) -> tuple[int, bytes]:
        assert self._reader is not None
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length: int | None = None
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                raise HttpError("chunked responses are not supported by this client")
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if length is None:
            raise HttpError(f"no Content-Length in the answer to a request (status {status})")
        body = await self._reader.readexactly(length)
        if close:
            await self.aclose()
        return status, body

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
