"""``python -m bench verify [--users N --submissions N --votes N]``: the ballot log at
scale. Seeds the national bench data (server/seed/scale.py; default 150,000 users,
50,000 submissions, 2,000,000 votes) on SQLite, ends its voting, staff groups for
everyone, then: the time to publish the log (the first manifest request), and
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
from sqlalchemy import case, update

from bench.common import (
    HOST,
    VENV_BIN,
    machine,
    machine_line,
    now_text,
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


async def bench(users: int, submissions: int, votes: int) -> list[str]:
    url = await prepare_database("sqlite", "ballots_bench", fresh=True)
    began = time.perf_counter()
    await _prepare(url, users, submissions, votes)
    say(f"seeded {users:,} users, {submissions:,} submissions, {votes:,} votes in "
        f"{time.perf_counter() - began:.0f} s")
    port = free_port()
    server = Server("ballots-bench", [str(VENV_BIN / "change-challenge"), "serve", "--host",
                                      HOST, "--port", str(port)], server_env(url), port)
    await server.start()
    try:
        base = f"{server.url}/api/v1/challenges/{SLUG}/ballots"
        began = time.perf_counter()
        async with httpx.AsyncClient(timeout=3600) as http:
            r = await http.get(f"{base}/manifest")
        publish = time.perf_counter() - began
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
        f"(server/seed/scale.py, SQLite; staff groups for 9 in 10 users) → {count:,} lines",
        f"- publishing the log (first manifest request, one transaction): {publish:.1f} s",
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
    parser.add_argument("--users", type=int, default=150_000)
    parser.add_argument("--submissions", type=int, default=50_000)
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    lines = asyncio.run(bench(args.users, args.submissions, args.votes))
    if not args.no_record:
        body = "\n".join([f"**Ballot log verify** — {now_text()}  ",
                          f"command: `python -m bench verify {' '.join(argv)}`".rstrip()
                          + "  ", f"machine: {machine_line(machine())}  ", *lines])
        record("ballots-verify", body, heading="Ballot log: publish and verify")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
