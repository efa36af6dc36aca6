"""Cursor-key latency with 10,000 submissions, from the key to the frame a person sees.

The app runs in a pseudo-terminal against a ``change-challenge serve`` subprocess
(SQLite, one challenge of 10,000 submissions from ``seed scale``), as a person runs
it. For each press the harness writes the key's bytes to the terminal and reads what
the app draws (through a pyte screen, as a terminal would) until the highlighted row
shows another submission; the figure is the time from writing the key to reading
that frame. The keys wander through the list as a reader would: mostly down, a page
down every 50th press, a short pause between presses (so the next page loads as the
cursor nears the end of what is loaded, as it does for a person).

Two more figures come from the same presses:

- inside the app: from the driver parsing the key to the driver flushing the frame
  to the terminal (``bench.tui_keys_launch`` wraps Textual's driver; no app code
  changes), which leaves out the pty and the harness;
- a baseline, in the same run and through the same harness: a bare Textual app, a
  stock OptionList of 10,000 rows, sent the same keys. The ratio of medians says how
  the app's list compares with Textual's own.

Goal: median <= 16 ms, p99 <= 50 ms, judged on the outside figure.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import pty_keys
from bench.client import demo_server
from bench.pty_keys import Run, terminal_env

NAME = "tui-keys-server"
COLUMNS, LINES = 100, 30
DOWN, PAGE_DOWN = b"\x1b[B", b"\x1b[6~"
PAUSE = 0.03  # between presses: about a held key's repeat rate


@dataclass
class KeyFigures:
    presses: int
    app: Run
    bare: Run

    @property
    def ratio(self) -> float:
        return self.app.median() / self.bare.median()

    @property
    def met(self) -> bool:
        return self.app.median() <= 16 and self.app.p99() <= 50


class Terminal(pty_keys.Terminal):
    """The app or the baseline in a pty, and the cursor row it highlights."""

    launcher = "bench.tui_keys_launch"
    columns, lines = COLUMNS, LINES

    def __init__(self, which: str, env: dict[str, str], log: Path) -> None:
        super().__init__(which, env, log)
        self.cursor_bg: str | None = None
        self.column = 0

    def wait_for(self, text: str, limit: float = 120) -> None:
        self.wait_until(lambda: text in self.text(), text, limit)

    def learn_cursor(self, text: str) -> None:
        """The highlight's background: that of the row showing ``text`` (highlighted)."""
        for y, line in enumerate(self.screen.display):
            if text in line:
                self.column = line.index(text)
                self.cursor_bg = self.screen.buffer[y][self.column].bg
                return
        raise RuntimeError(f"{text!r} is not on screen")

    def highlighted(self) -> str:
        for y in range(LINES):
            if self.screen.buffer[y][self.column].bg == self.cursor_bg:
                return self.screen.display[y].strip()
        return ""

    def press(self, key: bytes) -> pty_keys.Timed | None:
        """Send ``key``; (when it was written, when the moved highlight was read)."""
        before = self.highlighted()
        return self.press_until(key, lambda: self.highlighted() != before)


def drive(term: Terminal, keys: list[bytes]) -> Run:
    run = Run()
    pause = random.Random(1)
    for key in keys:
        timed = term.press(key)
        run.add(timed)
        if timed is not None:
            term.pause(PAUSE * (0.5 + pause.random()))
    run.finish(term.log)
    return run


def key_sequence(presses: int) -> list[bytes]:
    return [PAGE_DOWN if i % 50 == 49 else DOWN for i in range(presses)]


async def run_keys_bench(submissions: int = 10_000, presses: int = 300,
                         seeded: Path | None = None) -> KeyFigures:
    """``seeded``: a copy of this SQLite database is used instead of seeding one (it
    must hold a ``seed scale --slug keys`` challenge)."""
    import shutil

    from client import ChallengeClient
    from client.models import Challenge

    slug = "keys"
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "keys.db"
        env = terminal_env(Path(tmp), database)
        if seeded is not None:
            shutil.copyfile(seeded, database)
        else:
            subprocess.run([sys.executable, "-m", "tui.cli", "seed", "scale", "--slug", slug,
                            "--users", "200", "--submissions", str(submissions), "--votes",
                            str(submissions), "--comments", "0"], env=env, check=True,
                           capture_output=True)
        server = demo_server(NAME, env)
        try:
            await server.start()
            async with ChallengeClient(server.url) as api:
                auth = await api.login(f"{slug}.1@example.org", "scale-password")
                api.token = auth.token
                challenge: Challenge = await api.get_challenge(slug)
                phase = challenge.current_phase
                hidden = phase is not None and not phase.show_counts
                first = (await api.list_submissions(
                    slug, kind=challenge.prompts[0].kind, sort="random" if hidden else "new",
                    limit=1)).items[0].title
            app_env = {**env, "CHALLENGE_SERVER": server.url, "CHALLENGE_TOKEN": auth.token}
            keys = key_sequence(presses)
            runs: dict[str, Run] = {}
            for which, wanted, run_env in (("bare", "Option 0:", env),
                                           ("app", first[:40], app_env)):
                term = Terminal(which, run_env, Path(tmp) / f"{which}.log")
                try:
                    term.wait_for(wanted)
                    term.settle()
                    term.learn_cursor(wanted)
                    runs[which] = drive(term, keys)
                finally:
                    term.close()
        finally:
            server.stop()
    return KeyFigures(presses=presses, app=runs["app"], bare=runs["bare"])


def report(f: KeyFigures) -> str:
    lost = f" ({f.app.lost} presses lost)" if f.app.lost or f.bare.lost else ""
    return "\n".join([
        f"cursor key to the frame on screen, 10,000 submissions, {f.presses} presses "
        f"through a pty: app {f.app.line('outside')} (goal 16 / 50 ms: "
        f"{'met' if f.met else 'MISSED'}){lost}",
        f"same keys, bare Textual app (an OptionList of 10,000 rows): "
        f"{f.bare.line('outside')}; ratio of medians app/bare {f.ratio:.2f}",
        f"inside the process (key parsed → frame flushed): app {f.app.line('inside')}, "
        f"bare {f.bare.line('inside')}",
    ])


async def record_keys(*, argv: Sequence[str], info: dict[str, str], write: bool,
                      quick: bool = False) -> bool:
    from bench.common import bullets, record_run, say

    figures = await (run_keys_bench(submissions=2_000, presses=100) if quick
                     else run_keys_bench())
    text = report(figures)
    say(text)
    if write:
        record_run("tui-keys", "tui cursor keys", quick=quick, argv=argv, info=info,
                   lines=bullets(text), heading="Terminal app list: cursor-key latency")
    return figures.met


if __name__ == "__main__":
    print(report(asyncio.run(run_keys_bench())))
