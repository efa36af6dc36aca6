"""``python -m bench verify [--db sqlite|postgresql] [--users N --submissions N
--votes N]``: the ballot log at scale. Seeds the national bench data
(server/seed/scale.py; default 150,000 users, 50,000 submissions, 2,000,000 votes),
ends its voting, staff groups for everyone, then: the time the server's publisher
takes to publish the log (from the server's start, as the manifest stops answering
503), how long other writers waited meanwhile (a probe write transaction every 0.1 s:
on SQLite, what the publisher's batches hold the database's write lock for), and
``change-challenge verify`` end to end (wall time, peak RSS) against a baseline in
the same run: a process that only downloads the lines and hashes each one.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import case, text, update

from bench.common import (
    HOST,
    VENV_BIN,
    Kind,
    machine,
    machine_line,
    now_text,
    percentile,
    prepare_database,
    record,
    say,
)
from bench.servers import Server, free_port, server_env
from client.ranking import STAFF_GROUPS
from server.config import Settings
from server.db import Database
from server.seed.scale import seed_scale
from server.tables import PhaseRow, UserRow

SLUG = "national-ballots"
# A child's peak RSS after exec (VmHWM): wait4's ru_maxrss would count the bench's own
# memory, copied at fork.
PEAK = ("import atexit, sys\n"
        "atexit.register(lambda: print('VmHWM', next(l.split()[1] for l in "
        "open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr))\n")
BASELINE = """
import hashlib, sys, httpx
n = 0
with httpx.Client(timeout=600) as http:
    with http.stream("GET", sys.argv[1]) as r:
        rest = b""
        for chunk in r.iter_bytes(1 << 16):
            parts = (rest + chunk).split(b"\\n")
            rest = parts.pop()
            for line in parts:
                hashlib.sha256(line).hexdigest()
                n += 1
print(n)
"""


def _measure(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MiB) of ``argv`` run to its end, and its stdout."""
    began = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    out, err = process.communicate()
    elapsed = time.perf_counter() - began
    if process.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed: {err.decode()[-800:]}")
    peak = next(int(line.split()[1]) for line in err.decode().splitlines()
                if line.startswith("VmHWM"))
    return elapsed, peak / 1024, out.decode()


async def _prepare(url: str, users: int, submissions: int, votes: int) -> None:
    settings = Settings(database_url=url)
    if await seed_scale(settings, users=users, submissions=submissions, votes=votes,
                        comments=0, slug=SLUG, seed=7):
        raise RuntimeError("seeding failed")
    db = Database.connect(url, pool_size=1)
    try:
        async with db.write() as session:
            now = datetime.now(UTC)
            await session.execute(update(PhaseRow).values(ends_at=now - timedelta(hours=1)))
            await session.execute(update(UserRow).values(staff_group=case(
                *[(UserRow.id % 10 == i, g) for i, g in enumerate(STAFF_GROUPS)],
                else_=None)))
            await session.commit()
    finally:
        await db.dispose()


#: Between two probe writes while the log is published.
PROBE_EVERY = 0.1


async def _probe(url: str, waits: list[float], stop: asyncio.Event) -> None:
    """A write transaction every ``PROBE_EVERY`` until ``stop``: each one's length (on
    SQLite it waits for the database's write lock) goes to ``waits``."""
    db = Database.connect(url, pool_size=1)
    try:
        while not stop.is_set():
            began = time.perf_counter()
            async with db.write() as session:
                await session.execute(text("UPDATE challenges SET slug = slug WHERE id = 0"))
                await session.commit()
            waits.append(time.perf_counter() - began)
            await asyncio.sleep(PROBE_EVERY)
    finally:
        await db.dispose()


async def _published(base: str) -> httpx.Response:
    """The manifest once the server's publisher has written it (503 until then)."""
    async with httpx.AsyncClient(timeout=60) as http:
        while True:
            r = await http.get(f"{base}/manifest")
            if r.status_code != 503:
                return r
            await asyncio.sleep(0.5)


async def bench(kind: Kind, users: int, submissions: int, votes: int) -> list[str]:
    url = await prepare_database(kind, "ballots_bench", fresh=True)
    began = time.perf_counter()
    await _prepare(url, users, submissions, votes)
    say(f"seeded {users:,} users, {submissions:,} submissions, {votes:,} votes in "
        f"{time.perf_counter() - began:.0f} s")
    port = free_port()
    server = Server("ballots-bench", [str(VENV_BIN / "change-challenge"), "serve", "--host",
                                      HOST, "--port", str(port)], server_env(url), port)
    waits: list[float] = []
    stop = asyncio.Event()
    began = time.perf_counter()
    probe = asyncio.create_task(_probe(url, waits, stop))
    await server.start()
    try:
        base = f"{server.url}/api/v1/challenges/{SLUG}/ballots"
        r = await _published(base)
        publish = time.perf_counter() - began
        stop.set()
        await probe
        assert r.status_code == 200, r.text
        count = r.json()["count"]
        say(f"published {count:,} lines in {publish:.1f} s")
        base_s, base_mib, out = _measure([sys.executable, "-c", PEAK + BASELINE, base])
        assert int(out) == count
        verify_s, verify_mib, out = _measure(
            [sys.executable, "-c", PEAK + "import tui.cli; sys.exit(tui.cli.main())",
             "verify", "--server", server.url, SLUG])
        assert out.startswith("verified:"), out
    finally:
        server.stop()
    lines = [
        f"- data: {users:,} users, {submissions:,} submissions, {votes:,} votes "
        f"(server/seed/scale.py, {kind}; staff groups for 9 in 10 users) → {count:,} lines",
        f"- publishing the log (the server's publisher, in batches, from the server's "
        f"start): {publish:.1f} s",
        f"- meanwhile a write transaction every {PROBE_EVERY} s ({len(waits):,}) took: "
        f"median {percentile(waits, 50) * 1000:.0f} ms, p99 {percentile(waits, 99) * 1000:.0f}"
        f" ms, longest {max(waits) * 1000:.0f} ms",
        f"- baseline (download the lines, SHA-256 each): {base_s:.1f} s, peak RSS "
        f"{base_mib:.0f} MiB",
        f"- `change-challenge verify` end to end (chain, canonical form, three rankings "
        f"recomputed): {verify_s:.1f} s ({verify_s / base_s:.1f}x the baseline), peak RSS "
        f"{verify_mib:.0f} MiB ({verify_mib / base_mib:.1f}x)",
        f"- per line: verify {verify_s / count * 1e6:.1f} µs, baseline "
        f"{base_s / count * 1e6:.1f} µs",
    ]
    for line in lines:
        say(line)
    return lines


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench verify")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=150_000)
    parser.add_argument("--submissions", type=int, default=50_000)
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    kind: Kind = "postgresql" if args.db == "postgresql" else "sqlite"
    lines = asyncio.run(bench(kind, args.users, args.submissions, args.votes))
    if not args.no_record:
        body = "\n".join([f"**Ballot log verify** — {now_text()}  ",
                          f"command: `python -m bench verify {' '.join(argv)}`".rstrip()
                          + "  ", f"machine: {machine_line(machine())}  ", *lines])
        if args.db == "sqlite":  # the block's name from before PostgreSQL was measured
            record("ballots-verify", body, heading="Ballot log: publish and verify")
        else:
            record("ballots-verify-postgresql", body,
                   heading="Ballot log: publish and verify, postgresql")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
