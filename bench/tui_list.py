"""The app's list with many submissions: memory.

The process's RSS after opening a 100-submission challenge, then after scrolling a
50,000-submission challenge to the end. Goal: the difference <= 30 MB.

The app is driven in-process (Pilot); the server is a ``change-challenge serve``
subprocess on SQLite seeded with ``seed scale``; the app talks to it over loopback
like any user. (Cursor-key latency is measured from outside, through a pty, by
``bench.tui_keys``: Pilot's own round trip costs more than the repaint it would time.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.client import demo_server

NAME = "tui-list-server"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class ListFigures:
    rss_small_mib: float
    rss_large_mib: float
    rows_loaded: int
    large: int  # submissions in the large challenge

    @property
    def growth(self) -> float:
        return self.rss_large_mib - self.rss_small_mib


async def _settle(pilot: object) -> None:
    from textual.pilot import Pilot
    from textual.worker import WorkerCancelled

    assert isinstance(pilot, Pilot)
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def run_list_bench(small: int = 100, large: int = 50_000) -> ListFigures:
    from client import ChallengeClient
    from client.config import ClientConfig
    from tui.app import ChallengeApp
    from tui.screens.challenge import ChallengeScreen

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CHALLENGE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'list.db'}",
               "CHALLENGE_ARGON2_MEMORY_KIB": "1024", "CHALLENGE_ARGON2_TIME_COST": "1"}
        for slug, count in (("small", small), ("large", large)):
            subprocess.run([sys.executable, "-m", "tui.cli", "seed", "scale", "--slug", slug,
                            "--users", "200", "--submissions", str(count), "--votes",
                            str(count), "--comments", "0"], env=env, check=True,
                           capture_output=True)
        server = demo_server(NAME, env)
        url = server.url
        try:
            await server.start()
            async with ChallengeClient(url) as api:
                token = (await api.login("small.1@example.org", "scale-password")).token
            config = ClientConfig(server=url, token=token, token_store="memory")
            app = ChallengeApp(config)
            async with app.run_test(size=(100, 30)) as pilot:
                await _settle(pilot)
                await app.push_screen(ChallengeScreen("small"))
                await _settle(pilot)
                rss_small = rss_mib()
                app.pop_screen()
                big = ChallengeScreen("large")
                await app.push_screen(big)
                await _settle(pilot)
                rows = 0
                for _ in range(2 * (large // 50) + 20):  # bounded: a page per round at most
                    items = big.current_list
                    assert items is not None
                    if items.exhausted and not items.fetching:
                        break
                    await pilot.press("G")
                    await _settle(pilot)
                items = big.current_list
                assert items is not None
                rows = len(items.items)
                rss_large = rss_mib()
        finally:
            server.stop()
    return ListFigures(rss_small_mib=rss_small, rss_large_mib=rss_large, rows_loaded=rows,
                       large=large)


def report(f: ListFigures) -> str:
    return (f"RSS: {f.rss_small_mib:.0f} MiB with a 100-submission challenge open, "
            f"{f.rss_large_mib:.0f} MiB after scrolling {f.rows_loaded:,} rows (the stories "
            f"tab to its end) of a {f.large:,}-submission one; growth {f.growth:.0f} MiB "
            f"(goal <= 30 MB: {'met' if f.growth <= 28.6 else 'MISSED'})")


async def record_list(*, argv: Sequence[str], info: dict[str, str], write: bool,
                      quick: bool = False) -> bool:
    from bench.common import bullets, calibrate, record_run, say

    figures = await (run_list_bench(large=5_000) if quick else run_list_bench())
    text = report(figures)
    say(text)
    record_run("tui-list", "tui list", quick=quick, argv=argv, info=info,
               lines=bullets(text), heading="Terminal app list: memory",
               calibration=await calibrate(), write=write,
               goal=("RSS growth <= 30 MB", f"+{figures.growth:.0f} MiB after "
                     f"{figures.rows_loaded:,} rows", figures.growth <= 28.6))
    return figures.growth <= 28.6


if __name__ == "__main__":
    print(report(asyncio.run(run_list_bench(large=5_000))))
