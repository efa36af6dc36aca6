"""What the benchmarks share: the machine, databases, figures, the calibration, RESULTS.md
(servers in their own processes: ``bench.servers``)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import platform
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

HOST = "127.0.0.1"  # the only address a benchmark ever talks to
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
VENV_BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("CHALLENGE_TEST_POSTGRES",
                          "postgresql://postgres@127.0.0.1:5432/postgres")
LOOPBACK = ("127.0.0.1", "localhost", "::1")

Kind = Literal["sqlite", "postgresql"]
KINDS: tuple[Kind, ...] = ("sqlite", "postgresql")
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run with uvloop when it is installed: the load generator wastes less CPU."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    result: T = uvloop.run(coroutine)
    return result


def say(message: str) -> None:
    print(message, flush=True)


# --- the machine --------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if match:
            ram = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return {
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "load average at start": load,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def machine_line(info: Mapping[str, str]) -> str:
    return (f"nproc {info['nproc']}, {info['cpu']}, {info['ram']} RAM, "
            f"load average {info['load average at start']} at start, "
            f"Python {info['python']}, SQLite {info['sqlite']}"
            + (f", {info['postgresql']}" if "postgresql" in info else ""))


# --- databases ----------------------------------------------------------------------


def _pg_base() -> str:
    return PG_ADMIN.rsplit("/", 1)[0]


def check_loopback(url: str) -> None:
    """Benchmarks talk to this machine only."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"benchmarks only use a database on {HOST}, not {host!r} "
                         "(CHALLENGE_TEST_POSTGRES)")


def database_url(kind: Kind, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{OUT / f'{name}.db'}"
    return f"{_pg_base().replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


def describe_url(url: str) -> str:
    """The URL as a reader can use it (no driver name)."""
    return url.replace("+aiosqlite", "").replace("+asyncpg", "")


async def _pg_admin(statement: str) -> Any:
    import asyncpg

    check_loopback(PG_ADMIN)
    conn = await asyncpg.connect(PG_ADMIN, timeout=10)
    try:
        return await conn.fetch(statement)
    finally:
        await conn.close()


async def postgres_version() -> str:
    rows = await _pg_admin("SHOW server_version")
    return f"PostgreSQL {str(rows[0][0]).split()[0]}"


async def prepare_database(kind: Kind, name: str, *, fresh: bool) -> str:
    """The database ``name`` (created if missing, emptied first if ``fresh``), migrated."""
    from server.migrate import upgrade

    OUT.mkdir(parents=True, exist_ok=True)
    url = database_url(kind, name)
    if kind == "sqlite":
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                (OUT / f"{name}.db{suffix}").unlink(missing_ok=True)
    else:
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise ValueError(f"bad database name {name!r}")
        if fresh:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await _pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if not exists:
            await _pg_admin(f'CREATE DATABASE "{name}"')
    await upgrade(url)
    return url


# --- figures ------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (need not be sorted); nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def cpu_share(seconds: float, elapsed: float) -> str:
    return f"{100 * seconds / elapsed:.0f}%" if elapsed > 0 else "-"


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def command_line(argv: Sequence[str]) -> str:
    return " ".join([".venv/bin/python -m bench", *argv]).strip()


# --- calibration --------------------------------------------------------------------
#
# Figures from machines (or moments) that differ two to three times in speed are only
# comparable next to a measure of the machine taken in the same run: every block
# records this one.


def _cpu_work() -> None:
    """A fixed piece of the work a server does: JSON out and in, a hash, some dicts."""
    data = {"items": [{"id": i, "title": f"Submission {i}", "score": i / 7, "up": i % 13}
                      for i in range(200)]}
    for _ in range(40):
        text = json.dumps(data)
        hashlib.sha256(text.encode()).hexdigest()
        json.loads(text)


@dataclass(frozen=True)
class Calibration:
    """The machine as this run found it: a fixed CPU loop (ms, lower is faster) and,
    where the bench has a server, bare ``GET /health`` throughput against it."""

    cpu_ms: float
    load: str
    health_rps: float | None = None
    health_p50_ms: float | None = None

    def line(self) -> str:
        health = ("" if self.health_rps is None else
                  f"; `GET /health` {self.health_rps:,.0f} req/s, p50 "
                  f"{self.health_p50_ms:.1f} ms ({HEALTH_CLIENTS} clients, same server)")
        return (f"calibration: fixed CPU loop **{self.cpu_ms:.1f} ms** (median of "
                f"{CPU_RUNS}; lower is faster){health}; load average {self.load}")

    def short(self) -> str:
        health = "" if self.health_rps is None else f", /health {self.health_rps:,.0f}/s"
        return f"CPU loop {self.cpu_ms:.1f} ms{health}"


CPU_RUNS = 7
HEALTH_CLIENTS = 10


def cpu_loop_ms() -> float:
    _cpu_work()  # warm
    runs = []
    for _ in range(CPU_RUNS):
        began = time.perf_counter()
        _cpu_work()
        runs.append(1000 * (time.perf_counter() - began))
    return statistics.median(runs)


async def health_rate(url: str, requests: int = 2_000, seconds: float = 10.0,
                      ) -> tuple[float, float]:
    """Requests per second and median latency of ``GET /api/v1/health`` from
    ``HEALTH_CLIENTS`` keep-alive clients (bench/loadgen.py), ``requests`` in all."""
    from bench.loadgen import RawClient

    clients = [RawClient(url) for _ in range(HEALTH_CLIENTS)]
    latencies: list[float] = []
    left = requests
    deadline = time.perf_counter() + seconds

    async def one(raw: RawClient) -> None:
        nonlocal left
        while left > 0 and time.perf_counter() < deadline:
            left -= 1
            began = time.perf_counter()
            status, _ = await raw.get("/api/v1/health")
            if status != 200:
                raise RuntimeError(f"GET /health answered {status}")
            latencies.append(time.perf_counter() - began)

    try:
        for raw in clients:  # connect and warm
            await raw.get("/api/v1/health")
        began = time.perf_counter()
        await asyncio.gather(*(one(raw) for raw in clients))
        elapsed = time.perf_counter() - began
    finally:
        for raw in clients:
            await raw.aclose()
    return len(latencies) / elapsed, 1000 * percentile(latencies, 50)


async def calibrate(server_url: str | None = None) -> Calibration:
    """The calibration, with ``/health`` throughput when a server is given."""
    cpu = cpu_loop_ms()
    load = machine()["load average at start"]
    if server_url is None:
        return Calibration(cpu, load)
    rps, p50 = await health_rate(server_url)
    return Calibration(cpu, load, rps, p50)


# --- RESULTS.md ---------------------------------------------------------------------
#
# RESULTS.md is the benches' current summary: a table of goals and latest figures (one
# row per bench and database), then each bench's block as it printed it. Both are
# rewritten in place between markers; the history is in git.

SUMMARY_HEADER = ("bench", "goal", "latest", "result", "calibration", "when")


def _replace(text: str, key: str, body: str, heading: str) -> str:
    start, end = f"<!-- bench:{key} start -->", f"<!-- bench:{key} end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        return before + block + after
    return text.rstrip() + f"\n\n## {heading}\n\n{block}\n"


def _summary_rows(text: str) -> dict[str, list[str]]:
    start, end = "<!-- bench:summary start -->", "<!-- bench:summary end -->"
    if start not in text or end not in text:
        return {}
    inside = text.split(start, 1)[1].split(end, 1)[0]
    rows: dict[str, list[str]] = {}
    lines = [line for line in inside.splitlines() if line.startswith("|")]
    for line in lines[2:]:  # after the header and its rule
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == len(SUMMARY_HEADER) and cells[0] != "---":
            rows[cells[0]] = cells
    return rows


def record(key: str, body: str, *, heading: str,
           summary: Sequence[str] | None = None) -> None:
    """Replace the block ``key`` in RESULTS.md (added under ``heading`` if missing) and,
    given ``summary`` (cells after the first of ``SUMMARY_HEADER``), its summary row."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if summary is not None:
        rows = _summary_rows(text)
        rows[heading] = [heading, *summary]
        text = _replace(text, "summary", table(SUMMARY_HEADER, list(rows.values())),
                        "Goals and latest figures")
    RESULTS.write_text(_replace(text, key, body, heading), encoding="utf-8")


def record_run(key: str, title: str, *, quick: bool, argv: Sequence[str],
               info: Mapping[str, str], lines: Sequence[str], heading: str,
               calibration: Calibration, write: bool = True,
               goal: tuple[str, str, bool] | None = None) -> None:
    """Print the calibration, and record one run in RESULTS.md (unless not ``write``):
    ``title`` with the time, the command, the machine and the calibration, then
    ``lines``. ``goal`` (the goal, the latest figure, whether it is met) updates the
    summary table. A quick run goes to its own block (``key-quick``, ``heading
    (quick)``) and leaves the summary alone.
    """
    say(calibration.line())
    if not write:
        return
    body = "\n".join([f"**{title}** — {now_text()}  ",
                      f"command: `{command_line(argv)}`  ",
                      f"machine: {machine_line(info)}  ",
                      f"{calibration.line()}  ", *lines])
    summary = None
    if goal is not None and not quick:
        wanted, latest, met = goal
        summary = [wanted, latest, "met" if met else "**not met**", calibration.short(),
                   now_text()]
    record(f"{key}-quick" if quick else key, body,
           heading=heading + (" (quick)" if quick else ""), summary=summary)


def bullets(text: str) -> list[str]:
    """``text``'s lines as a Markdown list, after a blank line."""
    return ["", *[f"- {line}" for line in text.splitlines()]]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
