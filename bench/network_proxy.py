"""A TCP proxy on loopback that makes the network slow: a fixed round trip, both ways.

Each byte is delivered half a round trip after it arrived, in order, in both
directions (bandwidth is not limited: the app's answers are small). Loopback sets a
connection up at once, while a real one takes a round trip before the client can
send: so what a client sends on a new connection is held until a round trip after
the connection was accepted, then carried the half round trip. A TLS handshake
then costs its own round trip on top, as it does on a real network.

The proxy counts the connections it accepted; nothing is parsed, so it carries TLS
as well as plain HTTP (the server counts requests: ``bench.network_serve``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass, field

READ_SIZE = 65536


@dataclass
class _Direction:
    """Bytes of one direction waiting to be delivered: (when due, data; b"" is EOF)."""

    writer: asyncio.StreamWriter
    queue: deque[tuple[float, bytes]] = field(default_factory=deque)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, due: float, data: bytes) -> None:
        self.queue.append((due, data))
        self.ready.set()

    async def deliver(self) -> None:
        """Write each piece when it is due; close the write side at EOF."""
        try:
            while True:
                await self.ready.wait()
                self.ready.clear()
                while self.queue:
                    due, data = self.queue.popleft()
                    if (wait := due - time.monotonic()) > 0:
                        await asyncio.sleep(wait)
                    if not data:
                        if self.writer.can_write_eof():
                            self.writer.write_eof()
                        return
                    self.writer.write(data)
                    await self.writer.drain()
        except (ConnectionError, OSError):
            return


class DelayProxy:
    """Listens on ``127.0.0.1:port`` and forwards to ``target_port`` with ``rtt`` seconds
    of round trip (change it between runs); counts connections accepted."""

    def __init__(self, target_port: int, rtt: float = 0.0) -> None:
        self.target_port = target_port
        self.rtt = rtt
        self.connections = 0
        self.open_connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accepted, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accepted(self, client_r: asyncio.StreamReader,
                        client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        self.open_connections += 1
        accepted = time.monotonic()
        rtt = self.rtt
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.close()
            self.open_connections -= 1
            self._tasks.discard(task)
            return
        upstream, downstream = _Direction(server_w), _Direction(client_w)
        # The client may send only once its handshake would have come back: a round trip.
        opened = accepted + rtt
        pumps = [
            asyncio.create_task(_pump(client_r, upstream, rtt / 2, opened)),
            asyncio.create_task(_pump(server_r, downstream, rtt / 2, 0.0)),
            asyncio.create_task(upstream.deliver()),
            asyncio.create_task(downstream.deliver()),
        ]
        try:
            await asyncio.gather(*pumps)
        except asyncio.CancelledError:
            pass  # the proxy is stopping: nothing left to wait for
        finally:
            for pump in pumps:
                pump.cancel()
            for writer in (client_w, server_w):
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
            self.open_connections -= 1
            self._tasks.discard(task)


async def _pump(reader: asyncio.StreamReader, out: _Direction, delay: float,
                not_before: float) -> None:
    """Read until EOF; each piece is due ``delay`` after it arrived (or after
    ``not_before``, when that is later)."""
    try:
        while data := await reader.read(READ_SIZE):
            out.put(max(time.monotonic(), not_before) + delay, data)
    except (ConnectionError, OSError):
        pass
    out.put(max(time.monotonic(), not_before) + delay, b"")
