"""One process of the live bench's subscribers: ``python -m bench.live_subscribers``.

It reads one JSON line on stdin (``{"url": ..., "tokens": [...]}``), opens one
``GET /api/v1/events`` stream per token over raw asyncio streams (HTTP/1.1, chunked),
prints ``ready CONNECTED FAILED`` once every stream has its first frame, and records,
per stream, when each event arrived (``time.monotonic()``: CLOCK_MONOTONIC, one clock
for every process of the machine, so the parent compares it with its own). The time is
taken as a chunk is read, before it is parsed. Asked, it says when given events have
reached every stream (``main``); on a ``stop`` line it closes the streams and prints
its findings as one JSON line (``Findings``).

The client must not be the bottleneck: streams are read by the event loop with nothing
but a split and, for the events measured, one ``json.loads``; a ticker measures how
late the loop runs (its lag is in the findings), and the parent reads this process's
CPU time from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.common import run

MEASURED = ("comment.created", "submission.created")
COUNTS = "submission.counts"
CONNECT_AT_ONCE = 25  # streams being opened at a time, per process
TICK = 0.02  # the lag ticker's period, s


@dataclass
class Findings:
    """What one process saw; times are ``time.monotonic()``."""

    streams: int = 0
    connected: int = 0
    failed: int = 0
    ended_early: int = 0  # streams the server closed while the bench ran
    resets: int = 0
    frames: int = 0
    bytes: int = 0
    duplicates: int = 0  # an event a stream had already had
    errors: list[str] = field(default_factory=list)
    # "name:id" -> arrival times, one per stream that got it
    events: dict[str, list[float]] = field(default_factory=dict)
    # submission id -> per stream, the first submission.counts naming it
    counts: dict[str, list[float]] = field(default_factory=dict)
    lag: list[tuple[float, float]] = field(default_factory=list)  # (when, how late) s


def key_of(name: str, data: dict[str, Any]) -> str:
    """The event's own id: the comment's, or the submission's."""
    ident = data["comment"]["id"] if name == "comment.created" else data["id"]
    return f"{name}:{ident}"


class Stream:
    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        self.seen: set[str] = set()
        self.counted: set[int] = set()
        self.buffer = b""

    def frames(self, chunk: bytes, when: float) -> None:
        f = self.findings
        f.bytes += len(chunk)
        self.buffer += chunk
        while b"\n\n" in self.buffer:
            frame, self.buffer = self.buffer.split(b"\n\n", 1)
            f.frames += 1
            name = data = b""
            for line in frame.split(b"\n"):
                if line.startswith(b"event: "):
                    name = line[7:]
                elif line.startswith(b"data: "):
                    data = line[6:]
            self.event(name.decode(), data, when)

    def event(self, name: str, data: bytes, when: float) -> None:
        f = self.findings
        if name in MEASURED:
            key = key_of(name, json.loads(data))
            if key in self.seen:
                f.duplicates += 1
                return
            self.seen.add(key)
            f.events.setdefault(key, []).append(when)
        elif name == COUNTS:
            for item in json.loads(data)["items"]:
                if item["id"] not in self.counted:
                    self.counted.add(item["id"])
                    f.counts.setdefault(str(item["id"]), []).append(when)
        elif name == "reset":
            f.resets += 1


async def _head(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    if status != 200:
        raise RuntimeError(f"GET /events answered {status}")
    if not any(line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower()
               for line in lines[1:]):
        raise RuntimeError("the event stream is not chunked")


async def _chunk(reader: asyncio.StreamReader) -> bytes | None:
    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
    if size == 0:
        return None
    return (await reader.readexactly(size + 2))[:-2]


def _settled(findings: Findings, ready: asyncio.Event) -> None:
    if findings.connected + findings.failed == findings.streams:
        ready.set()


async def subscribe(url: str, token: str, findings: Findings, gate: asyncio.Semaphore,
                    ready: asyncio.Event) -> None:
    """One stream, read until cancelled (or the server ends it)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    stream = Stream(findings)
    writer: asyncio.StreamWriter | None = None
    opened = False
    try:
        async with gate:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write((f"GET /api/v1/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                          f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
                          "\r\n").encode("latin-1"))
            await _head(reader)
            first = await _chunk(reader)  # "retry:" and the id the stream starts from
            if first is None:
                raise RuntimeError("the stream ended at once")
            stream.frames(first, time.monotonic())
        opened = True
        findings.connected += 1
        _settled(findings, ready)
        while (chunk := await _chunk(reader)) is not None:
            stream.frames(chunk, time.monotonic())
        findings.ended_early += 1
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # counted and reported; the other streams go on
        if len(findings.errors) < 5:
            findings.errors.append(f"{type(exc).__name__}: {exc}")
        if opened:
            findings.ended_early += 1
        else:
            findings.failed += 1
            _settled(findings, ready)
    finally:
        if writer is not None:
            writer.close()


async def _ticker(findings: Findings) -> None:
    expected = time.monotonic() + TICK
    while True:
        await asyncio.sleep(max(0.0, expected - time.monotonic()))
        now = time.monotonic()
        findings.lag.append((now, now - expected))
        expected = max(expected + TICK, now)


def missing(findings: Findings, events: list[str], counts: list[str]) -> int:
    """Deliveries of these events (and counts naming these submissions) not here yet."""
    streams = findings.connected
    return (sum(max(0, streams - len(findings.events.get(k, []))) for k in events)
            + sum(max(0, streams - len(findings.counts.get(c, []))) for c in counts))


async def _arrived(findings: Findings, order: dict[str, Any]) -> int:
    """Until every stream has every event of ``order`` (or its timeout): how many are
    missing. The bench's own polling: it never stands in for the server."""
    deadline = time.monotonic() + order["timeout"]
    while (left := missing(findings, order["events"], order["counts"])) \
            and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return left


async def main() -> int:
    """Stdin: the order (a JSON line); then ``{"events", "counts", "timeout"}`` lines,
    answered ``done MISSING`` once arrived; then ``stop``, answered with the findings."""
    loop = asyncio.get_running_loop()
    order = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    tokens: list[str] = order["tokens"]
    findings = Findings(streams=len(tokens))
    gate, ready = asyncio.Semaphore(CONNECT_AT_ONCE), asyncio.Event()
    if not tokens:
        ready.set()
    tasks = [asyncio.create_task(subscribe(order["url"], t, findings, gate, ready))
             for t in tokens]
    await ready.wait()
    ticker = asyncio.create_task(_ticker(findings))
    print(f"ready {findings.connected} {findings.failed}", flush=True)
    while (line := await loop.run_in_executor(None, sys.stdin.readline)).strip() \
            not in ("stop", ""):  # "" : the parent went
        print(f"done {await _arrived(findings, json.loads(line))}", flush=True)
    for task in [ticker, *tasks]:
        task.cancel()
    for task in [ticker, *tasks]:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    print(json.dumps(asdict(findings)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run(main()))
