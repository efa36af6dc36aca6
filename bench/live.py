"""Live updates under load: 1,000 subscribers of ``GET /api/v1/events`` on one worker.

One ``change-challenge serve`` process (one worker) on a freshly seeded database; the
subscribers are signed-in users made for the bench, their streams spread over a few
client processes (bench/live_subscribers.py: raw asyncio streams; their CPU and event
loop lag are reported, so that a slow client shows). In order:

1. the write path alone: voters (bench/loadgen.py keep-alive clients) vote as fast as
   they can, in rounds; the server's RSS after, idle, with no subscriber;
2. the subscribers connect; the RSS again once they are idle: the difference over
   their number is the memory per subscriber;
3. the same vote rounds with every subscriber connected;
4. a writer at a steady rate (a comment, a vote, a submission, a vote, ...): the time
   from each write's response to its event at every subscriber, matched by the event's
   own ids (the comment's, the submission's), over every delivery. Counts are coalesced
   (at most one ``submission.counts`` per challenge per ``events_counts_seconds``), so
   votes are measured apart: the time to the first counts event naming the submission;
5. the subscribers go, and the vote rounds run alone again: the baseline is both runs
   alone, so drift in the machine's load shows as their difference.

On PostgreSQL a second instance follows: subscribers split over two ``serve``
processes, every write through the first, to show the fan-out across instances.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import random
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from bench.common import HOST, ROOT, Kind, calibrate, prepare_database, say
from bench.live_report import Made, Run, VoteCpu, record_live
from bench.live_subscribers import Findings
from bench.loadgen import RawClient
from bench.servers import Server, cpu_seconds_of, free_port, server_env
from server.config import Settings
from server.db import Database
from server.security import hash_token
from server.seed.scale import seed_scale
from server.tables import ChallengeRow, SessionRow, SubmissionRow, UserRow

SLUG = "live-bench"
CYCLE = ("comment", "vote", "submission", "vote")  # the steady writer's order


@dataclass(frozen=True)
class LiveOptions:
    subscribers: int = 1_000
    processes: int = 4  # subscriber processes
    rate: float = 4.0  # writes per second, steady
    writes: int = 160  # 40 comments, 40 submissions, 80 votes
    voters: int = 20
    rounds: int = 3  # vote rounds per condition (alone before, with, alone after)
    round_seconds: float = 5.0
    idle_seconds: float = 5.0  # before reading the RSS
    drain_timeout: float = 60.0  # after the last write, at most, for its events to arrive
    name: str = "live"  # the database (on PostgreSQL cc_bench_NAME)
    submissions: int = 1_000
    two_instances: bool = True  # PostgreSQL only


QUICK = LiveOptions(subscribers=200, processes=2, writes=40, rounds=1, round_seconds=3.0,
                    idle_seconds=2.0, submissions=200)


@dataclass
class Setup:
    url: str
    subscribers: list[str]  # tokens
    voters: list[str]
    writer: str
    vote_pool: list[int]  # voted on by the rounds
    latency_votes: list[int]  # each voted on once, by the writer
    commented: list[int]  # commented on by the writer


async def _setup(kind: Kind, options: LiveOptions) -> Setup:
    url = await prepare_database(
        kind, f"cc_bench_{options.name}" if kind == "postgresql" else options.name, fresh=True)
    with contextlib.redirect_stdout(io.StringIO()):
        code = await seed_scale(Settings(database_url=url), users=200,
                                submissions=options.submissions,
                                votes=options.submissions * 5,
                                comments=options.submissions, slug=SLUG, seed=5)
    if code != 0:
        raise RuntimeError("seeding the live benchmark's database failed")
    db = Database.connect(url, pool_size=1)
    now = datetime.now(UTC)
    people = options.subscribers + options.voters + 1
    tokens = [secrets.token_urlsafe(32) for _ in range(people)]
    try:
        async with db.write() as session:
            challenge = (await session.execute(select(ChallengeRow.id).where(
                ChallengeRow.slug == SLUG))).scalar_one()
            ids = sorted((await session.execute(select(SubmissionRow.id).where(
                SubmissionRow.challenge_id == challenge))).scalars())
            rows = [UserRow(email=f"live{i}@bench.example.org", display_name=f"Live {i}",
                            password_hash="!", role="participant", created_at=now)
                    for i in range(people)]
            session.add_all(rows)
            await session.flush()
            session.add_all([SessionRow(token_hash=hash_token(token), user_id=row.id,
                                        created_at=now, expires_at=now + timedelta(days=1))
                             for row, token in zip(rows, tokens, strict=True)])
            await session.commit()
    finally:
        await db.dispose()
    half = len(ids) // 2
    subs, voters = options.subscribers, options.voters
    return Setup(url, tokens[:subs], tokens[subs:subs + voters], tokens[-1],
                 ids[:half], ids[half::2], ids[half + 1::2])


# --- subscriber processes -----------------------------------------------------------------


class Subscribers:
    """Subscriber processes (bench.live_subscribers), each given a server and tokens."""

    def __init__(self) -> None:
        self.processes: list[asyncio.subprocess.Process] = []
        self.connect_seconds = 0.0

    async def start(self, plan: Sequence[tuple[str, list[str]]], timeout: float = 300) -> None:
        began = time.monotonic()
        for url, tokens in plan:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.live_subscribers", cwd=ROOT,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=2**30)
            self.processes.append(process)
            assert process.stdin is not None
            process.stdin.write(json.dumps({"url": url, "tokens": tokens}).encode() + b"\n")
            await process.stdin.drain()
        lines = await asyncio.wait_for(asyncio.gather(*(
            self._line(p) for p in self.processes)), timeout)
        self.connect_seconds = time.monotonic() - began
        failed = sum(int(line.split()[2]) for line in lines)
        if failed:
            raise RuntimeError(f"{failed} subscribers could not connect")

    @staticmethod
    async def _line(process: asyncio.subprocess.Process) -> str:
        assert process.stdout is not None
        line = (await process.stdout.readline()).decode()
        if not line:
            raise RuntimeError(f"a subscriber process ended ({await process.wait()})")
        return line

    async def arrived(self, made: Sequence[tuple[str, float]], timeout: float) -> int:
        """Until every stream has had every event of ``made`` (votes: a counts event
        naming the submission), or ``timeout``: how many deliveries are missing."""
        events = [k for k, _ in made if not k.startswith("vote:")]
        counts = [k.partition(":")[2] for k, _ in made if k.startswith("vote:")]
        order = json.dumps({"events": events, "counts": counts, "timeout": timeout})
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(order.encode() + b"\n")
            await process.stdin.drain()
        lines = await asyncio.gather(*(self._line(p) for p in self.processes))
        return sum(int(line.split()[1]) for line in lines)

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds_of(p.pid) for p in self.processes)

    async def stop(self) -> list[Findings]:
        found = []
        try:
            for process in self.processes:
                assert process.stdin is not None
                process.stdin.write(b"stop\n")
                await process.stdin.drain()
            for process in self.processes:
                found.append(Findings(**json.loads(await asyncio.wait_for(
                    self._line(process), 120))))
                await process.wait()
        finally:
            self.kill()
        return found

    def kill(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.kill()


# --- the write path ---------------------------------------------------------------------


@dataclass
class Voter:
    raw: RawClient
    rng: random.Random
    votes: dict[int, int] = field(default_factory=dict)


async def vote_round(voters: Sequence[Voter], pool: Sequence[int],
                     seconds: float) -> tuple[int, float, int]:
    """Every voter changes a vote until the deadline: votes, seconds, errors."""
    for voter in voters:  # open (or reopen) the connection outside the timing
        await voter.raw.get("/api/v1/health")
    deadline = time.perf_counter() + seconds
    errors = [0]

    async def voting(voter: Voter) -> int:
        done = 0
        while time.perf_counter() < deadline:
            sid = voter.rng.choice(pool)
            value = -voter.votes.get(sid, voter.rng.choice((1, -1)))
            status, _ = await voter.raw.send_json(
                "PUT", f"/api/v1/submissions/{sid}/vote", b'{"value":%d}' % value)
            if status == 200:
                voter.votes[sid] = value
                done += 1
            else:
                errors[0] += 1
        return done

    began = time.perf_counter()
    done = await asyncio.gather(*(voting(v) for v in voters))
    return sum(done), time.perf_counter() - began, errors[0]


async def steady_writes(http: httpx.AsyncClient, setup: Setup,
                        options: LiveOptions) -> list[tuple[str, float]]:
    """``options.writes`` writes at ``options.rate`` a second: (the event's key, when the
    write's response was read); a vote's key is ``vote:SUBMISSION``."""
    made: list[tuple[str, float]] = []
    began = time.monotonic()
    votes = iter(setup.latency_votes)
    for i in range(options.writes):
        await asyncio.sleep(max(0.0, began + i / options.rate - time.monotonic()))
        what = CYCLE[i % len(CYCLE)]
        if what == "comment":
            sid = setup.commented[i % len(setup.commented)]
            response = await http.post(f"/api/v1/submissions/{sid}/comments",
                                       json={"body": f"A live bench comment, number {i}."})
            key = f"comment.created:{response.json()['id']}"
        elif what == "submission":
            response = await http.post(f"/api/v1/challenges/{SLUG}/submissions", json={
                "kind": "idea", "title": f"Live bench idea {i}",
                "body": f"What the live bench suggests, number {i}: test it on a ward."})
            key = f"submission.created:{response.json()['id']}"
        else:
            sid = next(votes)
            response = await http.put(f"/api/v1/submissions/{sid}/vote", json={"value": 1})
            key = f"vote:{sid}"
        when = time.monotonic()
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{what}: {response.status_code} {response.text[:300]}")
        made.append((key, when))
    return made


# --- one database -------------------------------------------------------------------------


def _serve(name: str, url: str) -> Server:
    port = free_port()
    return Server(name, [sys.executable, "-m", "tui.cli", "serve", "--host", HOST,
                         "--port", str(port)], server_env(url), port)


def _plan(urls: Sequence[str], tokens: Sequence[str],
          processes: int) -> list[tuple[str, list[str]]]:
    """Tokens dealt over ``processes`` processes, the processes over the servers."""
    return [(urls[i % len(urls)], list(tokens[i::processes])) for i in range(processes)]


async def _rounds(voters: Sequence[Voter], setup: Setup, options: LiveOptions, label: str,
                  run: Run, server: Server, subscribers: Subscribers) -> list[float]:
    """Vote rounds: their rates; the server's (and subscribers') CPU to ``run.cpu``."""
    rates = []
    for r in range(options.rounds):
        cpu0, client0 = server.cpu_seconds(), subscribers.cpu_seconds()
        votes, seconds, errors = await vote_round(voters, setup.vote_pool,
                                                  options.round_seconds)
        run.cpu.setdefault(label, VoteCpu()).add(
            server.cpu_seconds() - cpu0, subscribers.cpu_seconds() - client0, votes, seconds)
        run.vote_errors += errors
        rates.append(votes / seconds)
        say(f"  votes {label:<22} round {r + 1}: {rates[-1]:7.0f} votes/s")
    return rates


async def _latency(server: Server, subscribers: Subscribers, setup: Setup,
                   options: LiveOptions, run: Run) -> Made:
    """The steady writes, until their events reached every subscriber (bounded): what was
    written when; the phase's window and CPU go to ``run``."""
    async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=60, headers={
            "Authorization": f"Bearer {setup.writer}"}) as http:
        cpu0, client0 = server.cpu_seconds(), subscribers.cpu_seconds()
        began = time.monotonic()
        made = await steady_writes(http, setup, options)
        left = await subscribers.arrived(made, options.drain_timeout)
        ended = time.monotonic()
    if left:
        say(f"  {left:,} deliveries had not arrived {options.drain_timeout:g} s after the "
            "last write")
    run.server_cpu, run.client_cpu = (server.cpu_seconds() - cpu0,
                                      subscribers.cpu_seconds() - client0)
    run.window = (began, ended)
    return made


async def run_live(kind: Kind, options: LiveOptions, *, quick: bool, argv: Sequence[str],
                   info: dict[str, str], write: bool) -> bool:
    """The benchmark on one database, printed and recorded; True when its goal is met."""
    run = await measure_live(kind, options)
    return record_live(run, quick=quick, argv=argv, info=info, write=write)


async def measure_live(kind: Kind, options: LiveOptions) -> Run:
    """The benchmark on one database: its figures."""
    say(f"\n== live events on {kind}: {options.subscribers:,} subscribers in "
        f"{options.processes} processes, one worker ==")
    setup = await _setup(kind, options)
    server = _serve(f"live-{kind}", setup.url)
    run = Run(kind=kind, options=options)
    voters: list[Voter] = []
    subscribers = Subscribers()
    try:
        await server.start()
        run.calibration = await calibrate(server.url)
        voters = [Voter(RawClient(server.url, {"Authorization": f"Bearer {t}"}),
                        random.Random(i)) for i, t in enumerate(setup.voters)]
        await vote_round(voters, setup.vote_pool, 1.0)  # warm
        run.alone_before = await _rounds(voters, setup, options, "alone", run, server,
                                         subscribers)
        await asyncio.sleep(options.idle_seconds)
        run.rss_idle = server.rss_mib()
        await subscribers.start(_plan([server.url], setup.subscribers, options.processes))
        run.connect_seconds = subscribers.connect_seconds
        await asyncio.sleep(options.idle_seconds)
        run.rss_subscribed = server.rss_mib()
        say(f"  {options.subscribers:,} subscribed in {run.connect_seconds:.1f} s; RSS "
            f"{run.rss_idle:.1f} -> {run.rss_subscribed:.1f} MiB")
        run.with_subscribers = await _rounds(voters, setup, options, "with subscribers", run,
                                             server, subscribers)
        await asyncio.sleep(options.idle_seconds)  # the rounds' last counts go out
        run.made = await _latency(server, subscribers, setup, options, run)
        run.findings = await subscribers.stop()
        subscribers = Subscribers()
        await asyncio.sleep(options.idle_seconds)  # the server lets the streams go
        run.alone_after = await _rounds(voters, setup, options, "alone again", run, server,
                                        subscribers)
        run.rss_after = server.rss_mib()
        if kind == "postgresql" and options.two_instances:
            await _two_instances(server, setup, options, run)
    finally:
        subscribers.kill()
        for voter in voters:
            await voter.raw.aclose()
        server.stop()
    return run


async def _two_instances(first: Server, setup: Setup, options: LiveOptions, run: Run) -> None:
    """Subscribers split over two instances, every write through the first."""
    second = _serve("live-postgresql-b", setup.url)
    subscribers = Subscribers()
    try:
        await second.start()
        processes = max(2, options.processes)
        await subscribers.start(_plan([first.url, second.url], setup.subscribers, processes))
        rest = Setup(setup.url, setup.subscribers, setup.voters, setup.writer,
                     setup.vote_pool, setup.latency_votes[options.writes // 2:],
                     setup.commented)
        aside = Run(kind=run.kind, options=options)
        made = await _latency(first, subscribers, rest, options, aside)
        findings = await subscribers.stop()
        # processes alternate over the servers: even ones on the first, odd on the second
        run.instances = (made, findings[0::2], findings[1::2])
    finally:
        subscribers.kill()
        second.stop()
