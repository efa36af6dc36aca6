"""National scale: list and search latency on 150,000 users, 50,000 submissions,
2,000,000 votes and 200,000 comments.

The data is seeded once per database (``seed scale``) and reused while it is there.
The server is ``change-challenge serve`` in its own process; 20 signed-in clients
(one keep-alive connection each) send each kind of request as fast as they can,
and we take the latency percentiles they see. The same requests are also timed
one at a time (no queueing), and profiled in-process statement by statement with
the database's query plan, which is what a diagnosis needs when a goal is missed.

Every client asking for the same URL is what the server's one-second page cache is
for, so those rows are mostly cache hits. Each request is therefore measured twice,
on two servers: with the page cache as deployed (rows labelled "cache hits", except
the search that differs on every request, which a cache cannot serve) and with it off
(``CHALLENGE_PAGE_CACHE_SECONDS=0``, rows labelled "uncached"). The in-process profile
always runs with the page cache off, a different search on each repetition where the
row has them, and reports the median.
Goals: p99 <= 50 ms for pages, <= 100 ms for search, on both databases, cached and not.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, func, select, text

from bench.common import (
    HOST,
    VENV_BIN,
    Calibration,
    Kind,
    calibrate,
    describe_url,
    percentile,
    prepare_database,
    say,
)
from bench.loadgen import RawClient
from bench.servers import Server, free_port, server_env
from bench.sql_profile import Statement, explain, is_listing, profile
from server.config import Settings
from server.db import Database
from server.security import hash_token
from server.seed.scale import COMMON_WORD, RARE_WORD, content_words, seed_scale
from server.tables import ChallengeRow, CommentRow, SessionRow, SubmissionRow, UserRow, VoteRow

SLUG = "national-scale"
PAGE_GOAL_MS = 50.0
SEARCH_GOAL_MS = 100.0


@dataclass(frozen=True)
class Scale:
    users: int
    submissions: int
    votes: int
    comments: int


FULL = Scale(users=150_000, submissions=50_000, votes=2_000_000, comments=200_000)
SMALL = Scale(users=15_000, submissions=5_000, votes=200_000, comments=20_000)


@dataclass(frozen=True)
class NationalOptions:
    scale: Scale = FULL
    clients: int = 20
    requests: int = 1_000  # measured requests per scenario, under load
    warmup: int = 60  # per scenario, not measured
    unloaded: int = 100  # one client, one request at a time
    max_seconds: float = 120.0  # per scenario: a bound on the loaded run
    deep_pages: int = 50
    reseed: bool = False
    workers: int = 1  # change-challenge serve --workers
    # CHALLENGE_PAGE_CACHE_SECONDS of the cached server (None: its default); 0 measures
    # only the uncached server.
    page_cache_seconds: float | None = None

    def configurations(self) -> list[tuple[str, dict[str, str]]]:
        """(label, server environment): the page cache as deployed, then off."""
        off = ("uncached", {"CHALLENGE_PAGE_CACHE_SECONDS": "0"})
        if self.page_cache_seconds == 0:
            return [off]
        on = ({} if self.page_cache_seconds is None
              else {"CHALLENGE_PAGE_CACHE_SECONDS": f"{self.page_cache_seconds:g}"})
        return [("cached", on), off]


QUICK = NationalOptions(scale=SMALL, requests=200, warmup=20, unloaded=30, max_seconds=30.0)


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # "page" or "search"
    params: dict[str, str]
    # Per client: a cursor is bound to the viewer who was given it.
    cursors: tuple[str, ...] = ()
    # A different search per request, in turn: what a page cache cannot serve.
    queries: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return "/api/v1/health" if self.kind == "calibration" else \
            f"/api/v1/challenges/{SLUG}/submissions"

    def params_for(self, client: int, n: int) -> dict[str, str]:
        """The ``n``-th request's parameters, from ``client``."""
        if self.queries:
            return {**self.params, "q": self.queries[n % len(self.queries)]}
        return {**self.params, "cursor": self.cursors[client]} if self.cursors else self.params

    @property
    def goal_ms(self) -> float:
        return SEARCH_GOAL_MS if self.kind == "search" else PAGE_GOAL_MS

    def served(self, config: str) -> str:
        """What the figures of this row on the ``config`` server measure."""
        if self.kind == "calibration":
            return "-"
        if config == "uncached":
            return "uncached (page cache off)"
        if self.queries:
            return "uncached (a different search each request)"
        return "cache hits (the same URL from every client)"


@dataclass
class Measured:
    latencies: list[float] = field(default_factory=list)
    unloaded: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    items: int = 0

    def p(self, q: float, *, loaded: bool = True) -> float:
        return 1000 * percentile(self.latencies if loaded else self.unloaded, q)


def _names(kind: Kind, scale: Scale) -> str:
    small = scale != FULL
    if kind == "postgresql":
        return "cc_bench_quick" if small else "cc_bench"
    return "national-quick" if small else "national"


async def _counts(url: str) -> dict[str, int] | None:
    db = Database.connect(url, pool_size=1)
    try:
        async with db.read() as session:
            challenge = (await session.execute(select(ChallengeRow.id).where(
                ChallengeRow.slug == SLUG))).scalar_one_or_none()
            if challenge is None:
                return None

            async def count(query: Any) -> int:
                return int((await session.execute(query)).scalar_one())

            return {
                "users": await count(select(func.count()).select_from(UserRow)),
                "submissions": await count(select(func.count()).select_from(SubmissionRow)
                                           .where(SubmissionRow.challenge_id == challenge)),
                "votes": await count(select(func.count()).select_from(VoteRow)),
                "comments": await count(select(func.count()).select_from(CommentRow)),
            }
    finally:
        await db.dispose()


async def ensure_data(kind: Kind, options: NationalOptions) -> tuple[str, float | None]:
    """The seeded database's URL, and how long seeding took (None: it was there)."""
    url = await prepare_database(kind, _names(kind, options.scale), fresh=options.reseed)
    wanted = {"users": options.scale.users, "submissions": options.scale.submissions,
              "votes": options.scale.votes, "comments": options.scale.comments}
    found = await _counts(url)
    if found is not None:
        if found != wanted:
            raise RuntimeError(f"{describe_url(url)} holds {found}, not {wanted}; "
                               "run with --reseed to rebuild it")
        say(f"  reusing {describe_url(url)}: {found}")
        return url, None
    say(f"  seeding {describe_url(url)} (once; later runs reuse it)")
    began = time.perf_counter()
    code = await seed_scale(Settings(database_url=url), **wanted, slug=SLUG, seed=1)
    if code != 0:
        raise RuntimeError("seed scale failed")
    return url, time.perf_counter() - began


def _token(i: int) -> str:
    return hashlib.sha256(f"bench-national-{i}".encode()).hexdigest()


async def _sign_in(url: str, clients: int) -> list[str]:
    """Sessions for the first ``clients`` seeded users (replaced on every run)."""
    db = Database.connect(url, pool_size=1)
    now = datetime.now(UTC)
    tokens = [_token(i) for i in range(clients)]
    try:
        async with db.write() as session:
            ids = dict((await session.execute(select(UserRow.email, UserRow.id).where(
                UserRow.email.in_([f"{SLUG}.{i + 1}@example.org" for i in range(clients)]))
            )).all())
            await session.execute(delete(SessionRow).where(
                SessionRow.token_hash.in_([hash_token(t) for t in tokens])))
            for i, token in enumerate(tokens):
                session.add(SessionRow(token_hash=hash_token(token),
                                       user_id=ids[f"{SLUG}.{i + 1}@example.org"],
                                       created_at=now, expires_at=now + timedelta(days=7)))
            await session.commit()
    finally:
        await db.dispose()
    return tokens


async def _selectivity(url: str) -> dict[str, int]:
    """How many submissions each search word matches, as the server searches (the last
    word of a search is a prefix on both databases)."""
    db = Database.connect(url, pool_size=1)
    found: dict[str, int] = {}
    try:
        async with db.read() as session:
            for word in (COMMON_WORD, RARE_WORD):
                if db.dialect == "postgresql":
                    query = text("SELECT count(*) FROM submissions WHERE "
                                 "search_vector @@ to_tsquery('english', :w)")
                    found[word] = int((await session.execute(
                        query, {"w": f"{word}:*"})).scalar_one())
                else:
                    query = text("SELECT count(*) FROM submissions_fts "
                                 "WHERE submissions_fts MATCH :w")
                    found[word] = int((await session.execute(
                        query, {"w": f'"{word}"*'})).scalar_one())
    finally:
        await db.dispose()
    return found


async def _deep_cursor(http: httpx.AsyncClient, params: dict[str, str], pages: int,
                       seconds: float) -> str:
    """Follow ``next_cursor`` ``pages`` times (fewer if the list or the time ends first)."""
    cursor = ""
    deadline = time.perf_counter() + seconds
    for _ in range(pages):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"following {pages} pages took more than {seconds:.0f} s")
        response = await http.get(f"/api/v1/challenges/{SLUG}/submissions",
                                  params={**params, **({"cursor": cursor} if cursor else {})})
        response.raise_for_status()
        following = response.json()["next_cursor"]
        if not following:
            break
        cursor = following
    return cursor


async def _measure(scenario: Scenario, clients: Sequence[RawClient], server: Server,
                   options: NationalOptions) -> Measured:
    out = Measured()

    sent = 0
    found = b'"items":[' if scenario.queries else b'"items":[{'  # two words may match none

    async def once(i: int, into: list[float]) -> None:
        nonlocal sent
        sent += 1
        began = time.perf_counter()
        status, body = await clients[i].get(scenario.path, scenario.params_for(i, sent))
        into.append(time.perf_counter() - began)
        # A page with items, or a healthy health check; no JSON parsing under load.
        if status != 200 or (found not in body and b'"status":"ok"' not in body):
            out.errors += 1
            out.first_error = out.first_error or f"{status} {body[:200]!r}"
        elif not out.items:
            out.items = len(json.loads(body).get("items", [])) or 1

    scratch: list[float] = []
    deadline = time.perf_counter() + options.max_seconds
    for _ in range(min(5, options.unloaded)):
        await once(0, scratch)
    for _ in range(options.unloaded):  # one at a time: service time, no queueing
        if time.perf_counter() > deadline:
            break
        await once(0, out.unloaded)

    remaining = options.warmup + options.requests
    deadline = time.perf_counter() + options.max_seconds
    timed: list[float] = []

    async def client(i: int) -> None:
        nonlocal remaining
        for _ in range(options.warmup + options.requests):
            if remaining <= 0 or time.perf_counter() > deadline:
                return
            warm = remaining > options.requests
            remaining -= 1
            await once(i, scratch if warm else timed)

    cpu0, client0, began = server.cpu_seconds(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(len(clients))))
    out.seconds = time.perf_counter() - began
    out.server_cpu = server.cpu_seconds() - cpu0
    out.client_cpu = time.process_time() - client0
    out.latencies = timed
    return out


def _scenarios(deep_cursors: Sequence[str]) -> list[Scenario]:
    return [
        Scenario("top, kind=story, first page", "page",
                 {"sort": "top", "kind": "story", "limit": "20"}),
        Scenario("top, first page", "page", {"sort": "top", "limit": "20"}),
        Scenario("top, page 51 (cursor)", "page", {"sort": "top", "limit": "20"},
                 tuple(deep_cursors)),
        Scenario(f"search q={COMMON_WORD}", "search", {"q": COMMON_WORD, "limit": "20"}),
        Scenario(f"search q={RARE_WORD}", "search", {"q": RARE_WORD, "limit": "20"}),
        Scenario("search, two words, different each request", "search", {"limit": "20"},
                 queries=_word_pairs()),
        # Not a goal: the cheapest request the app serves (one trivial query), to show
        # what 20 concurrent clients cost on this machine whatever the query.
        Scenario("calibration: GET /health", "calibration", {}),
    ]


def _word_pairs(count: int = 80) -> tuple[str, ...]:
    """Pairs of the seed's ``count`` most frequent content words, in a fixed shuffle:
    6,320 searches, so a page cache of a second's requests has nothing to give back."""
    words = content_words()[:count]
    pairs = [f"{a} {b}" for a in words for b in words if a != b]
    random.Random(7).shuffle(pairs)
    return tuple(pairs)


async def _serve(kind: Kind, url: str, tokens: Sequence[str], options: NationalOptions,
                 config: str, env: dict[str, str],
                 ) -> tuple[list[Scenario], dict[str, Measured], float, Calibration]:
    """Every scenario against one server: its figures, peak RSS and calibration."""
    script = VENV_BIN / "change-challenge"
    port = free_port()
    server = Server(f"national-{kind}-{config}",
                    [str(script), "serve", "--host", HOST, "--port", str(port),
                     "--workers", str(options.workers)], {**server_env(url), **env}, port)
    results: dict[str, Measured] = {}
    clients: list[RawClient] = []
    try:
        await server.start()
        calibration = await calibrate(server.url)
        cursors = []
        for t in tokens:  # httpx here: following cursors needs the JSON
            async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=60,
                                         headers={"Authorization": f"Bearer {t}"}) as http:
                cursors.append(await _deep_cursor(http, {"sort": "top", "limit": "20"},
                                                  options.deep_pages, options.max_seconds))
        clients = [RawClient(server.url, {"Authorization": f"Bearer {t}"}) for t in tokens]
        scenarios = _scenarios(cursors)
        for scenario in scenarios:
            results[scenario.name] = m = await _measure(scenario, clients, server, options)
            say(f"  {config:<8} {scenario.name:<30} p50 {m.p(50):6.1f}  p95 {m.p(95):6.1f}  "
                f"p99 {m.p(99):6.1f} ms under load; alone p50 {m.p(50, loaded=False):5.1f} "
                f"p99 {m.p(99, loaded=False):5.1f} ms; {len(m.latencies) / m.seconds:5.0f} "
                f"req/s; errors {m.errors}")
        peak = server.peak_rss_mib()
    finally:
        for raw in clients:
            await raw.aclose()
        server.stop()
    return scenarios, results, peak, calibration


async def run_national(kind: Kind, options: NationalOptions, *, quick: bool,
                       argv: Sequence[str], info: dict[str, str], write: bool) -> bool:
    say(f"\n== national scale on {kind}: {options.scale}, {options.clients} clients ==")
    url, seeded = await ensure_data(kind, options)
    tokens = await _sign_in(url, options.clients)
    words = await _selectivity(url)
    measured: dict[str, dict[str, Measured]] = {}
    peaks: dict[str, float] = {}
    calibrations: list[Calibration] = []
    for config, env in options.configurations():
        scenarios, measured[config], peaks[config], calibrated = await _serve(
            kind, url, tokens, options, config, env)
        calibrations.append(calibrated)

    profiles: dict[str, tuple[float, list[Statement]]] = {}
    plans: dict[str, str] = {}
    for scenario in scenarios:
        profiles[scenario.name] = await profile(url, scenario.path, scenario.params_for,
                                                tokens[0])
        listing = [s for s in profiles[scenario.name][1] if is_listing(s.sql)]
        if listing:
            try:  # a plan is a diagnosis aid, not a result: say why it is missing
                plans[scenario.name] = await explain(url, listing[0])
            except Exception as exc:
                plans[scenario.name] = f"(no plan: {exc!r:.200})"
        elif scenario.kind != "calibration":
            plans[scenario.name] = "(no page query among the statements)"

    from bench.national_report import NationalRun, report

    return report(NationalRun(kind, options, url, seeded, words, scenarios, measured, peaks,
                              calibrations[0], profiles, plans), quick=quick, argv=argv, info=info,
                  write=write)
