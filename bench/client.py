"""The typed client's overhead against raw httpx, and the cost of ``import client``.

Both clients make the same requests to the same server (a ``change-challenge serve``
subprocess on SQLite), alternating in rounds so machine noise hits both alike;
the figure is the ratio of medians. Goal: <= 1.15.

The ratio hides the client's own cost behind the server's (a request's time is
mostly the server's), so the client's absolute cost is reported too: the wall time
the typed client adds per request (typed minus raw, in µs), and the CPU time of this
process (the client's side only: the server is another process) per request, typed
and raw.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import Calibration, calibrate
from bench.servers import Server, free_port
from client import ChallengeClient
from client.models import ChallengeCreate, SubmissionCreate

SPEC = {
    "slug": "bench", "title": "Client bench", "themes": ["A", "B"],
    "phases": [{"name": "Open", "starts_at": "2020-01-01T00:00:00Z",
                "ends_at": "2100-01-01T00:00:00Z", "submissions": True, "votes": True,
                "comments": True}],
    "prompts": [{"kind": "story", "question": "What works?"}],
}


@dataclass
class ClientFigures:
    requests: int
    typed_get_ms: float
    raw_get_ms: float
    typed_page_ms: float
    raw_page_ms: float
    # CPU of the client process per request (µs), medians of the rounds
    typed_get_cpu_us: float
    raw_get_cpu_us: float
    typed_page_cpu_us: float
    raw_page_cpu_us: float
    calibration: Calibration
    import_ms: float
    bare_python_ms: float
    heavy_modules: list[str]

    @property
    def get_ratio(self) -> float:
        return self.typed_get_ms / self.raw_get_ms

    @property
    def page_ratio(self) -> float:
        return self.typed_page_ms / self.raw_page_ms


async def _time(fn: Callable[[], Awaitable[object]], n: int) -> tuple[float, float]:
    """Wall ms and this process's CPU µs per call of ``fn``."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await fn()
    return ((time.perf_counter() - start) / n * 1000,
            (time.process_time() - cpu) / n * 1_000_000)


def import_cost(runs: int = 15) -> tuple[float, float, list[str]]:
    """Median wall time of ``python -c 'import client'`` and of bare ``python -c pass``."""
    probe = ("import sys, client; print(','.join(m for m in sys.modules if m.split('.')[0] "
             "in ('server', 'tui', 'textual', 'fastapi', 'sqlalchemy', 'httpx')))")
    heavy: list[str] = []
    timings: dict[str, list[float]] = {"client": [], "bare": []}
    for _ in range(runs):
        for name, code in (("client", probe), ("bare", "pass")):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True)
            timings[name].append((time.perf_counter() - start) * 1000)
            if name == "client":
                heavy = [m for m in out.stdout.strip().split(",") if m]
    return (statistics.median(timings["client"]), statistics.median(timings["bare"]), heavy)


def demo_server(name: str, env: Mapping[str, str]) -> Server:
    """``change-challenge serve`` on a free loopback port with ``env`` (not yet started)."""
    port = free_port()
    return Server(name, [sys.executable, "-m", "tui.cli", "serve", "--port", str(port)],
                  env, port)


async def run_client_bench(requests: int = 300, rounds: int = 5) -> ClientFigures:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CHALLENGE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'b.db'}",
               "CHALLENGE_ARGON2_MEMORY_KIB": "1024", "CHALLENGE_ARGON2_TIME_COST": "1"}
        subprocess.run([sys.executable, "-m", "tui.cli", "admin", "create-user", "--email",
                        "bench@example.org", "--name", "Bench", "--role", "admin",
                        "--password", "bench-password"], env=env, check=True,
                       capture_output=True)
        server = demo_server("client", env)
        url = server.url
        try:
            await server.start()
            async with ChallengeClient(url) as typed, httpx.AsyncClient(base_url=url) as raw:
                await typed.login("bench@example.org", "bench-password")
                await typed.create_challenge(ChallengeCreate.model_validate(SPEC))
                first = None
                for i in range(40):
                    made = await typed.create_submission("bench", SubmissionCreate(
                        kind="story", title=f"Story {i}", body="word " * 80))
                    first = first or made
                assert first is not None
                headers = {"Authorization": f"Bearer {typed.token}"}
                sid = first.id

                async def raw_get() -> object:
                    r = await raw.get(f"/api/v1/submissions/{sid}", headers=headers)
                    r.raise_for_status()
                    return json.loads(r.content)

                async def raw_page() -> object:
                    r = await raw.get("/api/v1/challenges/bench/submissions",
                                      params={"limit": 20, "sort": "top"}, headers=headers)
                    r.raise_for_status()
                    return json.loads(r.content)

                async def typed_get() -> object:
                    return await typed.get_submission(sid)

                async def typed_page() -> object:
                    return await typed.list_submissions("bench", limit=20, sort="top")

                fns = {"rg": raw_get, "tg": typed_get, "rp": raw_page, "tp": typed_page}
                wall: dict[str, list[float]] = {k: [] for k in fns}
                cpu: dict[str, list[float]] = {k: [] for k in fns}
                for fn in fns.values():  # warm up
                    await _time(fn, 20)
                for _ in range(rounds):
                    for key, fn in fns.items():
                        ms, us = await _time(fn, requests)
                        wall[key].append(ms)
                        cpu[key].append(us)
            calibration = await calibrate(url)
        finally:
            server.stop()
    imported, bare, heavy = import_cost()
    med = {k: statistics.median(v) for k, v in wall.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    return ClientFigures(requests=requests * rounds, typed_get_ms=med["tg"],
                         raw_get_ms=med["rg"], typed_page_ms=med["tp"], raw_page_ms=med["rp"],
                         typed_get_cpu_us=cpu_med["tg"], raw_get_cpu_us=cpu_med["rg"],
                         typed_page_cpu_us=cpu_med["tp"], raw_page_cpu_us=cpu_med["rp"],
                         calibration=calibration,
                         import_ms=imported, bare_python_ms=bare, heavy_modules=heavy)


def _added(typed_ms: float, raw_ms: float, typed_cpu: float, raw_cpu: float) -> str:
    return (f"the typed client adds {1000 * (typed_ms - raw_ms):+.0f} µs wall per request; "
            f"client-process CPU {typed_cpu:.0f} µs typed vs {raw_cpu:.0f} µs raw "
            f"({typed_cpu - raw_cpu:+.0f} µs)")


def report(f: ClientFigures) -> str:
    return "\n".join([
        f"requests per kind: {f.requests} (sequential, one connection, loopback)",
        "get one submission: " + _added(f.typed_get_ms, f.raw_get_ms, f.typed_get_cpu_us,
                                        f.raw_get_cpu_us),
        "one list page (20): " + _added(f.typed_page_ms, f.raw_page_ms, f.typed_page_cpu_us,
                                        f.raw_page_cpu_us),
        f"get one submission: typed {f.typed_get_ms:.2f} ms, raw httpx {f.raw_get_ms:.2f} ms, "
        f"ratio {f.get_ratio:.3f} (goal <= 1.15: {'met' if f.get_ratio <= 1.15 else 'MISSED'})",
        f"one list page (20): typed {f.typed_page_ms:.2f} ms, raw httpx {f.raw_page_ms:.2f} ms, "
        f"ratio {f.page_ratio:.3f} (goal <= 1.15: "
        f"{'met' if f.page_ratio <= 1.15 else 'MISSED'})",
        f"python -c 'import client': {f.import_ms:.1f} ms vs bare python {f.bare_python_ms:.1f} ms "
        f"(+{f.import_ms - f.bare_python_ms:.1f} ms); heavy modules loaded: "
        f"{', '.join(f.heavy_modules) or 'none'}",
    ])


async def record_client(*, argv: Sequence[str], info: dict[str, str],
                        write: bool, quick: bool = False) -> bool:
    """Run, print, and record the client benchmark in RESULTS.md; True if goals met."""
    from bench.common import bullets, record_run, say

    figures = await (run_client_bench(requests=50, rounds=2) if quick
                     else run_client_bench())
    text = report(figures)
    say(text)
    met = figures.get_ratio <= 1.15 and figures.page_ratio <= 1.15 and not figures.heavy_modules
    record_run("client", "client", quick=quick, argv=argv, info=info, lines=bullets(text),
               heading="Typed client overhead", calibration=figures.calibration, write=write,
               goal=("typed / raw httpx <= 1.15",
                     f"{figures.get_ratio:.2f} get, {figures.page_ratio:.2f} page; adds "
                     f"{figures.typed_get_cpu_us - figures.raw_get_cpu_us:+.0f} / "
                     f"{figures.typed_page_cpu_us - figures.raw_page_cpu_us:+.0f} µs CPU "
                     "per request", met))
    return met


if __name__ == "__main__":
    print(report(asyncio.run(run_client_bench())))
