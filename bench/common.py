"""What the benchmarks share: the machine, databases, server processes, figures, RESULTS.md."""

from __future__ import annotations

import asyncio
import math
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx

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


# --- servers in their own processes -------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found.extend(int(c) for c in text)
    except OSError:
        pass
    return found


def _status_kib(pid: int, field: str) -> int:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(),
                          re.MULTILINE)
    except OSError:
        return 0
    return int(match.group(1)) if match else 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A server process listening on ``HOST:port``; stopped by its own pid only."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    port: int
    health_path: str = "/api/v1/health"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return OUT / f"{self.name}.log"

    def spawn(self) -> subprocess.Popen[bytes]:
        OUT.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            # The access log goes to stdout: dropped, like a terminal nobody reads.
            self.process = subprocess.Popen(
                list(self.argv), env={**os.environ, **self.env}, stdout=subprocess.DEVNULL,
                stderr=log, cwd=ROOT)
        return self.process

    async def start(self, wait_seconds: float = 180.0) -> None:
        """Spawn the server and wait (bounded) until its health check answers."""
        process = self.spawn()
        timeout = wait_seconds
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, trust_env=False, timeout=5) as http:
            for _ in range(int(timeout / 0.2) + 1):
                if process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {process.returncode}; "
                                       f"see {self.log_path}")
                try:
                    if (await http.get(self.health_path)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s; "
                           f"see {self.log_path}")

    def _pids(self) -> list[int]:
        if self.process is None:
            return []
        return [self.process.pid, *_children(self.process.pid)]

    def peak_rss_mib(self) -> float:
        """VmHWM: the most resident memory the server (and any workers) ever had."""
        return sum(_status_kib(pid, "VmHWM") for pid in self._pids()) / 1024

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self._pids())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def server_env(url: str) -> dict[str, str]:
    return {"CHALLENGE_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


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


# --- RESULTS.md ---------------------------------------------------------------------


def record(key: str, body: str, *, heading: str) -> None:
    """Replace the block ``key`` in RESULTS.md (added under ``heading`` if missing).

    Everything outside the marked blocks is hand-written and left alone.
    """
    start, end = f"<!-- bench:{key} start -->", f"<!-- bench:{key} end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n{block}\n"
    RESULTS.write_text(text, encoding="utf-8")


def record_run(key: str, title: str, *, quick: bool, argv: Sequence[str],
               info: Mapping[str, str], lines: Sequence[str], heading: str) -> None:
    """Record one run in RESULTS.md: ``title`` with the time, the command, the machine,
    then ``lines``. A quick run goes to its own block (``key-quick``, ``heading (quick)``).
    """
    body = "\n".join([f"**{title}** — {now_text()}  ",
                      f"command: `{command_line(argv)}`  ",
                      f"machine: {machine_line(info)}  ", *lines])
    record(f"{key}-quick" if quick else key, body,
           heading=heading + (" (quick)" if quick else ""))


def bullets(text: str) -> list[str]:
    """``text``'s lines as a Markdown list, after a blank line."""
    return ["", *[f"- {line}" for line in text.splitlines()]]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
