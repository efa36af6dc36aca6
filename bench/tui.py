"""The app's start-up, measured from outside against a bare Textual app, in one run.

Each run starts a process in a pseudo-terminal and reads what it draws (through
pyte, as a person's terminal would) until the target text is on screen: for the
app, the first submission of the demo challenge with the server already up; for
the baseline, a one-line Textual app. Runs alternate; the figure is the ratio of
medians (the ratio of the fastest runs is printed too). Goal: <= 1.5.

The project's modules are byte-compiled first, as an installed package is (pip
compiles at install); otherwise an environment with PYTHONDONTWRITEBYTECODE set
would charge every run ~25 ms for compiling the app's own source.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pyte

from bench.client import demo_server

NAME = "tui-startup-server"
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App[None]):
    def compose(self):
        yield Static("bare app ready")

Bare().run()
"""


@dataclass
class StartupFigures:
    runs: int
    app_ms: list[float]
    bare_ms: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.app_ms) / statistics.median(self.bare_ms)


def time_to_text(argv: list[str], wanted: str, env: dict[str, str], limit: float = 60) -> float:
    """Milliseconds from spawning ``argv`` to ``wanted`` being on its screen."""
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    start = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(30, 100))
    try:
        while wanted not in "\n".join(screen.display):
            if time.perf_counter() - start > limit:
                raise RuntimeError(f"{wanted!r} did not appear within {limit} s")
            try:
                stream.feed(child.read_nonblocking(65536, timeout=1))
            except pexpect.TIMEOUT:
                continue
        return (time.perf_counter() - start) * 1000
    finally:
        child.kill(9)
        child.close(force=True)


def compile_project() -> None:
    """Byte-compile ``client`` and ``tui`` in place, as installing them would."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("client", "tui"):
        compileall.compile_dir(root / package, quiet=1)


async def run_startup_bench(runs: int = 7) -> StartupFigures:
    from client import ChallengeClient

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CHALLENGE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'demo.db'}",
               "CHALLENGE_ARGON2_MEMORY_KIB": "1024", "CHALLENGE_ARGON2_TIME_COST": "1",
               "XDG_DATA_HOME": str(Path(tmp) / "data"),
               "XDG_CONFIG_HOME": str(Path(tmp) / "config"), "TERM": "xterm-256color"}
        # The first demo challenge only: with one challenge the app opens straight on
        # its list, the screen this bench has always timed (the demo's second challenge
        # would put the list of challenges first).
        from server.config import Settings
        from server.seed.demo import seed_demo

        await seed_demo(Settings(database_url=env["CHALLENGE_DATABASE_URL"],
                                 argon2_time_cost=1, argon2_memory_kib=1024),
                        quiet=True, develop=False)
        compile_project()
        server = demo_server(NAME, env)
        url = server.url
        try:
            await server.start()
            async with ChallengeClient(url) as api:
                auth = await api.login("amara.okafor@nhs.net", "demo-amara")
                first = (await api.list_submissions("bottom-up-change", kind="story",
                                                    limit=1)).items[0].title
            app_env = {**env, "CHALLENGE_SERVER": url, "CHALLENGE_TOKEN": auth.token}
            bare_script = Path(tmp) / "bare.py"
            bare_script.write_text(BARE_APP)
            app_ms: list[float] = []
            bare_ms: list[float] = []
            wanted = first[:40]
            for _ in range(runs):
                bare_ms.append(time_to_text([sys.executable, str(bare_script)],
                                            "bare app ready", env))
                app_ms.append(time_to_text([sys.executable, "-m", "tui.cli"], wanted, app_env))
        finally:
            server.stop()
    return StartupFigures(runs=runs, app_ms=app_ms, bare_ms=bare_ms)


def report(f: StartupFigures) -> str:
    return (f"start-up to the first submission on screen: app median "
            f"{statistics.median(f.app_ms):.0f} ms (runs: "
            f"{', '.join(f'{v:.0f}' for v in f.app_ms)}), bare Textual app median "
            f"{statistics.median(f.bare_ms):.0f} ms (runs: "
            f"{', '.join(f'{v:.0f}' for v in f.bare_ms)}); ratio {f.ratio:.2f} "
            f"(goal <= 1.5: {'met' if f.ratio <= 1.5 else 'MISSED'}); fastest runs "
            f"{min(f.app_ms):.0f} vs {min(f.bare_ms):.0f} ms, ratio "
            f"{min(f.app_ms) / min(f.bare_ms):.2f} (noise only adds, so this is the "
            f"steadier figure on a shared machine)")


async def record_startup(*, argv: Sequence[str], info: dict[str, str], write: bool,
                         quick: bool = False) -> bool:
    from bench.common import calibrate, record_run, say

    figures = await run_startup_bench(runs=3 if quick else 7)
    text = report(figures)
    say(text)
    record_run("tui-startup", "tui start-up", quick=quick, argv=argv, info=info,
               lines=["", f"- {text}"], heading="Terminal app start-up",
               calibration=await calibrate(), write=write,
               goal=("app / bare Textual app <= 1.5", f"{figures.ratio:.2f} (medians "
                     f"{statistics.median(figures.app_ms):.0f} / "
                     f"{statistics.median(figures.bare_ms):.0f} ms)", figures.ratio <= 1.5))
    return figures.ratio <= 1.5


if __name__ == "__main__":
    print(report(asyncio.run(run_startup_bench())))
