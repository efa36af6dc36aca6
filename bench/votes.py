"""Vote throughput over real HTTP: the app against a bare Starlette baseline.

The baseline (bench/baseline.py) sends the database exactly the app's statements per
vote (tests/test_bench_baseline.py checks it), so the ratio is the framework's cost
and nothing else. Both are measured twice: with the app's caches of tokens and phases
on (its default) and with ``CHALLENGE_CACHE_SECONDS=0`` (every vote reads the token
and the phases), each pair against its matching baseline.

The four servers run side by side as separate processes (``bench.serve``, the same
uvicorn options as ``change-challenge serve``) on one freshly seeded database. 50
clients, each an ``httpx.AsyncClient`` holding one keep-alive connection and signed
in as its own user, vote as fast as they can. Every request changes something (a
new vote, or the opposite of the client's current vote), so every one is a write.
Rounds alternate within each pair (app, baseline, baseline, app, ...), so drift in
the machine's load hits both alike. Goal: app >= 0.6 x baseline, caches on and off.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import random
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, text

from bench.common import (
    HOST,
    Kind,
    calibrate,
    cpu_share,
    describe_url,
    percentile,
    prepare_database,
    record_run,
    say,
    table,
)
from bench.servers import Server, free_port, server_env
from server.config import Settings
from server.db import Database
from server.security import hash_token
from server.seed.scale import seed_scale
from server.tables import ChallengeRow, SessionRow, SubmissionRow, UserRow

GOAL = 0.6
SLUG = "vote-bench"
# (app, its baseline, the environment both get): the app's caches on (its default), off.
PAIRS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("app", "baseline", {}),
    ("app, caches off", "baseline, caches off", {"CHALLENGE_CACHE_SECONDS": "0"}),
)


@dataclass(frozen=True)
class VoteOptions:
    clients: int = 50
    rounds: int = 5  # per target
    seconds: float = 8.0  # per round
    warmup_seconds: float = 2.0
    submissions: int = 1_000
    max_requests_per_client: int = 20_000  # per round: a bound, never reached in practice


QUICK = VoteOptions(rounds=2, seconds=3.0, warmup_seconds=1.0, submissions=200)


@dataclass
class Voter:
    user_id: int
    token: str
    rng: random.Random
    votes: dict[int, int] = field(default_factory=dict)


@dataclass
class Tally:
    """What one target did, summed over its rounds."""

    votes: int = 0
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.votes / self.seconds if self.seconds else 0.0


async def _setup(kind: Kind, options: VoteOptions) -> tuple[str, list[Voter], list[int]]:
    url = await prepare_database(kind, "cc_bench_votes" if kind == "postgresql" else "votes",
                                 fresh=True)
    settings = Settings(database_url=url)
    with contextlib.redirect_stdout(io.StringIO()):
        code = await seed_scale(settings, users=1_000, submissions=options.submissions,
                                votes=options.submissions * 10, comments=options.submissions,
                                slug=SLUG, seed=11)
    if code != 0:
        raise RuntimeError("seeding the vote benchmark's database failed")
    db = Database.connect(url, pool_size=1)
    now = datetime.now(UTC)
    voters: list[Voter] = []
    try:
        async with db.write() as session:
            challenge = (await session.execute(select(ChallengeRow.id).where(
                ChallengeRow.slug == SLUG))).scalar_one()
            ids = list((await session.execute(select(SubmissionRow.id).where(
                SubmissionRow.challenge_id == challenge))).scalars())
            rows = [UserRow(email=f"voter{i}@bench.example.org", display_name=f"Voter {i}",
                            password_hash="!", role="participant", created_at=now)
                    for i in range(options.clients)]
            session.add_all(rows)
            await session.flush()
            for i, row in enumerate(rows):
                token = secrets.token_urlsafe(32)
                session.add(SessionRow(token_hash=hash_token(token), user_id=row.id,
                                       created_at=now, expires_at=now + timedelta(days=1)))
                voters.append(Voter(row.id, token, random.Random(i)))
            await session.commit()
    finally:
        await db.dispose()
    return url, voters, ids


async def _reconnect(client: httpx.AsyncClient) -> None:
    """Make sure the connection is open: the server drops it after 5 idle seconds (while
    the other targets run), and a request racing that close fails."""
    for attempt in (1, 2):
        try:
            (await client.get("/api/v1/health")).raise_for_status()
            return
        except httpx.TransportError:
            if attempt == 2:
                raise


async def _round(server: Server, clients: Sequence[httpx.AsyncClient], voters: Sequence[Voter],
                 ids: Sequence[int], seconds: float, options: VoteOptions,
                 tally: Tally | None) -> None:
    """Every client votes until the deadline; ``tally`` None is a warm-up."""
    await asyncio.gather(*(_reconnect(c) for c in clients))
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors: list[str] = []

    async def voting(client: httpx.AsyncClient, voter: Voter) -> int:
        done = 0
        for _ in range(options.max_requests_per_client):
            if time.perf_counter() >= deadline:
                break
            sid = voter.rng.choice(ids)
            old = voter.votes.get(sid)
            value = -old if old else voter.rng.choice((1, -1))
            began = time.perf_counter()
            response = await client.put(f"/api/v1/submissions/{sid}/vote",
                                        json={"value": value})
            latencies.append(time.perf_counter() - began)
            if response.status_code == 200:
                voter.votes[sid] = value
                done += 1
            else:
                errors.append(f"{response.status_code} {response.text[:200]}")
        return done

    cpu0, client0, began = server.cpu_seconds(), time.process_time(), time.perf_counter()
    done = await asyncio.gather(*(voting(c, v) for c, v in zip(clients, voters, strict=True)))
    elapsed = time.perf_counter() - began
    if tally is None:
        return
    tally.votes += sum(done)
    tally.errors += len(errors)
    tally.seconds += elapsed
    tally.server_cpu += server.cpu_seconds() - cpu0
    tally.client_cpu += time.process_time() - client0
    tally.rates.append(sum(done) / elapsed)
    tally.latencies.extend(latencies)
    if errors and not tally.first_error:
        tally.first_error = errors[0]


async def _consistent(url: str) -> tuple[bool, int]:
    """Whether every submission's counters equal its votes; and how many votes exist."""
    db = Database.connect(url, pool_size=1)
    try:
        async with db.read() as session:
            wrong = (await session.execute(text(
                "SELECT count(*) FROM submissions s WHERE "
                "s.up != (SELECT count(*) FROM votes v WHERE v.submission_id = s.id "
                "AND v.value = 1) OR s.down != (SELECT count(*) FROM votes v "
                "WHERE v.submission_id = s.id AND v.value = -1)"))).scalar_one()
            total = (await session.execute(text("SELECT count(*) FROM votes"))).scalar_one()
    finally:
        await db.dispose()
    return wrong == 0, int(total)


async def run_votes(kind: Kind, options: VoteOptions, *, quick: bool, argv: Sequence[str],
                    info: dict[str, str], write: bool) -> bool:
    """The benchmark on one database; True when the goal is met."""
    say(f"\n== votes on {kind}: {options.clients} clients, {options.rounds} rounds of "
        f"{options.seconds:g} s per target, caches on and off ==")
    url, voters, ids = await _setup(kind, options)
    servers: dict[str, Server] = {}
    for app, base, env in PAIRS:
        for name, target in ((app, "app"), (base, "baseline")):
            port = free_port()
            servers[name] = Server(
                f"votes-{kind}-{name.replace(', ', '-').replace(' ', '-')}",
                [sys.executable, "-m", "bench.serve", target, "--port", str(port)],
                {**server_env(url), **env}, port)
    tallies = {name: Tally() for name in servers}
    clients: dict[str, list[httpx.AsyncClient]] = {}
    try:
        for server in servers.values():
            await server.start()
        calibration = await calibrate(servers["app"].url)
        for name, server in servers.items():
            clients[name] = [httpx.AsyncClient(
                base_url=server.url, trust_env=False, timeout=60,
                headers={"Authorization": f"Bearer {v.token}"},
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
                for v in voters]
        for name, server in servers.items():
            await _round(server, clients[name], voters, ids, options.warmup_seconds, options,
                         None)
        for r in range(options.rounds):
            for app, base, _ in PAIRS:
                for name in ((app, base) if r % 2 == 0 else (base, app)):
                    await _round(servers[name], clients[name], voters, ids, options.seconds,
                                 options, tallies[name])
                    say(f"  round {r + 1} {name:<20} {tallies[name].rates[-1]:8.0f} votes/s")
        peaks = {name: server.peak_rss_mib() for name, server in servers.items()}
    finally:
        for group in clients.values():
            for client in group:
                await client.aclose()
        for server in servers.values():
            server.stop()
    consistent, total = await _consistent(url)
    ratios = {app: tallies[app].rate / tallies[base].rate if tallies[base].rate else 0.0
              for app, base, _ in PAIRS}
    errors = any(t.errors for t in tallies.values())
    met = min(ratios.values()) >= GOAL and consistent and not errors
    rows = []
    for name, t in tallies.items():
        rows.append([name, f"{t.rate:.0f}", " / ".join(f"{r:.0f}" for r in t.rates),
                     f"{1000 * percentile(t.latencies, 50):.1f}",
                     f"{1000 * percentile(t.latencies, 99):.1f}",
                     f"{1000 * t.server_cpu / max(1, t.votes):.2f}",
                     cpu_share(t.server_cpu, t.seconds), cpu_share(t.client_cpu, t.seconds),
                     f"{peaks[name]:.0f}", str(t.errors)])
    figures = table(["target", "votes/s", "per round", "p50 ms", "p99 ms",
                     "server CPU ms/vote", "server CPU", "load generator CPU", "peak RSS MiB",
                     "errors"], rows)
    first = "; ".join(f"{n}: {t.first_error}" for n, t in tallies.items() if t.first_error)
    ratio_text = ", ".join(f"{app} / {base} **{ratios[app]:.2f}**" for app, base, _ in PAIRS)
    summary = (f"ratios: {ratio_text} (goal >= {GOAL} for both: "
               f"**{'met' if met else 'not met'}**); counters consistent with the votes "
               f"after the run: {'yes' if consistent else 'NO'} ({total:,} votes stored)"
               + (f"; errors: {first}" if first else ""))
    say(figures)
    say(summary)
    record_run(f"votes-{kind}", f"{kind}{' (quick)' if quick else ''}", quick=quick,
               argv=argv, info=info, calibration=calibration, write=write, lines=[
                   f"database: `{describe_url(url)}`, {len(ids):,} submissions, "
                   f"{options.clients} clients on {HOST}, {options.rounds} rounds x "
                   f"{options.seconds:g} s per target, alternating within each pair; "
                   "the baseline sends the app's statements (caches on: the token and "
                   "the phases are read once per 2 s; off: on every vote)",
                   "", figures, "", summary],
               heading=f"Vote throughput, {kind}",
               goal=(f"app / same-SQL baseline >= {GOAL}",
                     " · ".join(f"{'caches off' if 'off' in app else 'caches on'} "
                                f"{ratios[app]:.2f} ({tallies[app].rate:.0f} vs "
                                f"{tallies[base].rate:.0f} votes/s)"
                                for app, base, _ in PAIRS), met))
    return met
