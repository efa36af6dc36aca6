"""Server CPU per request, against the bare framework floor answering the same bytes.

The real server (``change-challenge serve``, one worker) and a bare Starlette app under
the same uvicorn options (``bench.server_cpu_floor``, which answers every request with
the status, headers and body the real server gave it, captured first) each get the same
requests from the same clients in this process: a cached page of 50 (signed in, and
anonymous), a search that differs on every request (two words; no cache can serve it),
``GET /submissions/{id}`` and ``GET /health``. What each request costs is the server
process's CPU time (utime + stime from /proc) over N requests, divided by N: a measure
a busy machine barely moves, unlike latency, and the ratio app / floor is taken in the
same run, rounds alternating between the two servers.

The data is the national bench's (``bench national``, seeded once and reused).
Goals (issue 16): a cached page at most 3x the floor, an uncached search at most 5x.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from bench.common import HOST, OUT, VENV_BIN, Kind, calibrate, record_run, say, table
from bench.loadgen import RawClient
from bench.national import FULL, SLUG, SMALL, NationalOptions, Scale, ensure_data
from bench.national import _sign_in as sign_in
from bench.national import _word_pairs as word_pairs
from bench.server_cpu_floor import ANSWERS_ENV
from bench.servers import Server, free_port, server_env

PAGE_GOAL = 3.0
SEARCH_GOAL = 5.0


@dataclass(frozen=True)
class CpuOptions:
    scale: Scale = FULL
    requests: int = 2_000  # per request kind, server and round
    rounds: int = 3
    clients: int = 8  # concurrent keep-alive connections


QUICK = CpuOptions(scale=SMALL, requests=500, rounds=2)


@dataclass(frozen=True)
class Mix:
    """One kind of request: its targets in turn, and the goal for app / floor."""

    name: str
    targets: tuple[str, ...]
    goal: float | None = None
    signed_in: bool = True


@dataclass
class Figures:
    cpu_us: list[float] = field(default_factory=list)  # per request, one per round
    rate: list[float] = field(default_factory=list)  # requests/s, one per round
    errors: int = 0

    @property
    def median_us(self) -> float:
        return statistics.median(self.cpu_us)


def _mixes(submission_id: int, requests: int) -> list[Mix]:
    listing = f"/api/v1/challenges/{SLUG}/submissions"
    searches = tuple(f"{listing}?{urlencode({'limit': '20', 'q': pair})}"
                     for pair in word_pairs()[:requests])
    return [
        Mix("cached page of 50", (f"{listing}?sort=top&limit=50",), PAGE_GOAL),
        # The parameters in another order: the same page, another address for the floor
        # (an anonymous reader gets other bytes: no my_vote).
        Mix("cached page of 50, anonymous", (f"{listing}?limit=50&sort=top",), None, False),
        Mix("uncached search, two words, different each request", searches, SEARCH_GOAL),
        Mix("GET /submissions/{id}", (f"/api/v1/submissions/{submission_id}",)),
        Mix("GET /health", ("/api/v1/health",)),
    ]


async def _capture(url: str, mixes: Sequence[Mix], token: str) -> dict[str, list[object]]:
    """The real server's answer to every target: what the floor will answer."""
    answers: dict[str, list[object]] = {}
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=60) as http:
        for mix in mixes:
            headers = {"Authorization": f"Bearer {token}"} if mix.signed_in else {}
            for target in dict.fromkeys(mix.targets):
                response = await http.get(target, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{target} answered {response.status_code}: "
                                       f"{response.text[:200]}")
                answers[target] = [response.status_code,
                                   [[k.decode("latin-1"), v.decode("latin-1")]
                                    for k, v in response.headers.raw],
                                   response.content.decode()]
    return answers


async def _drive(server: Server, mix: Mix, token: str, options: CpuOptions) -> tuple[
        float, float, int]:
    """CPU seconds of the server per request, requests/s, and errors, over
    ``options.requests`` requests from ``options.clients`` connections."""
    headers = {"Authorization": f"Bearer {token}"} if mix.signed_in else {}
    clients = [RawClient(server.url, headers) for _ in range(options.clients)]
    sent = 0
    errors = 0

    async def client(raw: RawClient) -> None:
        nonlocal sent, errors
        while sent < options.requests:
            target = mix.targets[sent % len(mix.targets)]
            sent += 1
            status, _ = await raw.get(target)
            errors += status != 200

    try:
        for raw in clients:  # connected and warm before the clock starts
            await raw.get(mix.targets[-1])
        cpu0, began = server.cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(client(raw) for raw in clients))
        elapsed = time.perf_counter() - began
        cpu = server.cpu_seconds() - cpu0
    finally:
        for raw in clients:
            await raw.aclose()
    return cpu / options.requests, options.requests / elapsed, errors


async def run_server_cpu(kind: Kind, options: CpuOptions, *, quick: bool,
                         argv: Sequence[str], info: dict[str, str], write: bool) -> bool:
    say(f"\n== server CPU per request on {kind}: app vs bare Starlette floor ==")
    url, _ = await ensure_data(kind, NationalOptions(scale=options.scale))
    token = (await sign_in(url, 1))[0]
    port = free_port()
    app = Server(f"server-cpu-{kind}-app",
                 [str(VENV_BIN / "change-challenge"), "serve", "--host", HOST, "--port",
                  str(port), "--workers", "1"], server_env(url), port)
    answers_path = OUT / f"server-cpu-{kind}-answers.json"
    port = free_port()
    floor = Server(f"server-cpu-{kind}-floor",
                   [sys.executable, "-m", "bench.serve", "floor", "--port", str(port)],
                   {ANSWERS_ENV: str(answers_path), "PYTHONUNBUFFERED": "1"}, port)
    figures: dict[tuple[str, str], Figures] = {}
    try:
        await app.start()
        async with httpx.AsyncClient(base_url=app.url, trust_env=False, timeout=60) as http:
            first = (await http.get(f"/api/v1/challenges/{SLUG}/submissions",
                                    params={"sort": "top", "limit": "1"})).json()
        mixes = _mixes(int(first["items"][0]["id"]), options.requests)
        answers = await _capture(app.url, mixes, token)
        answers_path.write_text(json.dumps(answers), encoding="utf-8")
        await floor.start()
        calibration = await calibrate(app.url)
        for round_ in range(options.rounds):
            order = (app, floor) if round_ % 2 == 0 else (floor, app)
            for mix in mixes:
                for server in order:
                    name = "app" if server is app else "floor"
                    cpu, rate, errors = await _drive(server, mix, token, options)
                    got = figures.setdefault((mix.name, name), Figures())
                    got.cpu_us.append(1e6 * cpu)
                    got.rate.append(rate)
                    got.errors += errors
            say(f"  round {round_ + 1}: " + "; ".join(
                f"{mix.name}: {figures[(mix.name, 'app')].cpu_us[-1]:.0f} / "
                f"{figures[(mix.name, 'floor')].cpu_us[-1]:.0f} µs" for mix in mixes))
    finally:
        app.stop()
        floor.stop()
    return _report(kind, options, mixes, figures, quick=quick, argv=argv, info=info,
                   write=write, calibration=calibration)


def _report(kind: Kind, options: CpuOptions, mixes: Sequence[Mix],
            figures: dict[tuple[str, str], Figures], *, quick: bool, argv: Sequence[str],
            info: dict[str, str], write: bool, calibration: object) -> bool:
    from bench.common import Calibration

    assert isinstance(calibration, Calibration)
    rows = []
    met = True
    ratios: dict[str, float] = {}
    for mix in mixes:
        mine, bare = figures[(mix.name, "app")], figures[(mix.name, "floor")]
        ratio = mine.median_us / bare.median_us
        ratios[mix.name] = ratio
        ok = mix.goal is None or ratio <= mix.goal
        met = met and ok and mine.errors == 0 and bare.errors == 0
        rows.append([
            mix.name, f"{mine.median_us:.0f}", f"{bare.median_us:.0f}", f"**{ratio:.1f}**",
            "-" if mix.goal is None else f"<= {mix.goal:g}: {'met' if ok else '**not met**'}",
            f"{1e6 / mine.median_us:,.0f}",
            " / ".join(f"{v:.0f}" for v in mine.cpu_us),
            " / ".join(f"{v:.0f}" for v in bare.cpu_us),
            f"{statistics.median(mine.rate):,.0f} / {statistics.median(bare.rate):,.0f}",
            f"{mine.errors} / {bare.errors}"])
    header = ["request", "app µs CPU/req", "floor µs CPU/req", "app / floor", "goal",
              "app req/s per core (CPU-bound)", "app per round", "floor per round",
              "req/s app / floor", "errors app / floor"]
    lines = ["", f"data: the national bench's ({options.scale.submissions:,} submissions, "
             f"{options.scale.votes:,} votes); {options.requests:,} requests per kind, "
             f"server and round, {options.rounds} rounds alternating, {options.clients} "
             f"keep-alive connections on {HOST} (bench/loadgen.py); CPU = the server "
             "process's utime + stime; medians of the rounds; app = `change-challenge "
             "serve --workers 1` (page cache as deployed), floor = bare Starlette under "
             "the same uvicorn options answering each address with the app's captured "
             "status, headers and body (bench/server_cpu_floor.py)", "",
             table(header, rows), "",
             f"Goals (cached page <= {PAGE_GOAL:g}x, uncached search <= {SEARCH_GOAL:g}x "
             f"the floor): **{'met' if met else 'NOT met'}**."]
    for line in lines:
        say(line)
    page = ratios["cached page of 50"]
    search = ratios["uncached search, two words, different each request"]
    record_run(f"server-cpu-{kind}", kind, quick=quick, argv=argv, info=info, lines=lines,
               heading=f"Server CPU per request, {kind}", calibration=calibration,
               write=write,
               goal=(f"app / bare Starlette floor: cached page <= {PAGE_GOAL:g}, search "
                     f"<= {SEARCH_GOAL:g}",
                     f"cached page {page:.1f}x, search {search:.1f}x", met))
    return met
