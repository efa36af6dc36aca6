"""Cursor-key latency walking a list of 10,000 submissions, from the key to the frame.

The app runs in a pseudo-terminal against a ``change-challenge serve`` subprocess
(SQLite, one challenge from ``seed scale`` with enough submissions that its first
tab, the stories, holds 10,000 rows), as a person runs it. For each press the harness
writes the key's bytes to the terminal and reads what the app draws (through a pyte
screen, as a terminal would) until the highlighted row shows another submission; the
figure is the time from writing the key to reading that frame. The keys walk the
whole list: a cursor down, then three page downs, over and over, a short pause
between presses (so the next page loads as the cursor nears the end of what is
loaded, as it does for a person), until the cursor is on the last of the 10,000 rows
(the launcher logs where the cursor is after every move). The output says how far
the walk got and how many rows were loaded.

Two more figures come from the same presses:

- inside the app: from the driver parsing the key to the driver flushing the frame
  to the terminal (``bench.tui_keys_launch`` wraps Textual's driver; no app code
  changes), which leaves out the pty and the harness;
- a baseline, in the same run and through the same harness: a bare Textual app, a
  stock OptionList of as many rows, walked the same way to its end (a page is taller
  there: one line a row, not two). The ratio of medians says how the app's list
  compares with Textual's own.

Goal: median <= 16 ms, p99 <= 50 ms, judged on the outside figure.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench import pty_keys
from bench.client import demo_server
from bench.common import Calibration, calibrate
from bench.pty_keys import Run, terminal_env

NAME = "tui-keys-server"
COLUMNS, LINES = 100, 30
DOWN, PAGE_DOWN = b"\x1b[B", b"\x1b[6~"
PATTERN = (DOWN, PAGE_DOWN, PAGE_DOWN, PAGE_DOWN)  # over and over, to the end
PAUSE = 0.03  # between presses: about a held key's repeat rate
STORY_SHARE = 0.55  # seed scale makes about this share of its submissions stories
WALK_SECONDS = 600.0  # a bound on one walk


@dataclass
class Walk:
    """How far a walk got: the last row the cursor reached, and rows loaded then."""

    presses: int = 0
    row: int = -1
    loaded: int = 0
    down: Run | None = None  # the cursor-down presses alone
    page: Run | None = None  # the page-down presses alone


@dataclass
class KeyFigures:
    rows: int  # the walk's target: it ends on this row or past it
    listed: int  # rows in the list walked (the challenge's stories)
    app: Run
    bare: Run
    app_walk: Walk
    bare_walk: Walk
    calibration: Calibration

    @property
    def ratio(self) -> float:
        return self.app.median() / self.bare.median()

    @property
    def met(self) -> bool:
        # Only a walk to the end counts: fewer rows would flatter the figure.
        return (self.app.median() <= 16 and self.app.p99() <= 50
                and self.app_walk.row + 1 >= self.rows)


class Terminal(pty_keys.Terminal):
    """The app or the baseline in a pty, and the cursor row it highlights."""

    launcher = "bench.tui_keys_launch"
    columns, lines = COLUMNS, LINES

    def __init__(self, which: str, env: dict[str, str], log: Path) -> None:
        super().__init__(which, env, log)
        self.cursor_bg: str | None = None
        self.column = 0
        self._log_offset = 0
        self.row, self.loaded = -1, 0

    def follow(self) -> None:
        """Where the cursor is, from the launcher's ``row`` lines logged since last time."""
        with self.log.open("rb") as log:
            log.seek(self._log_offset)
            data = log.read()
        complete = data[:data.rfind(b"\n") + 1]
        self._log_offset += len(complete)
        for line in complete.decode().splitlines():
            if line.startswith("row "):
                _, _, index, loaded = line.split()
                self.row, self.loaded = int(index), int(loaded)

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


def walk(term: Terminal, rows: int) -> tuple[Run, Walk]:
    """Press ``PATTERN`` over and over until the cursor is on row ``rows - 1``."""
    run, down, page = Run(), Run(), Run()
    done = Walk(down=down, page=page)
    pause = random.Random(1)
    deadline = time.monotonic() + WALK_SECONDS
    while term.row < rows - 1 and time.monotonic() < deadline:
        key = PATTERN[done.presses % len(PATTERN)]
        timed = term.press(key)
        done.presses += 1
        run.add(timed)
        (down if key == DOWN else page).add(timed)
        if timed is not None:
            term.pause(PAUSE * (0.5 + pause.random()))
        term.follow()
    done.row, done.loaded = term.row, term.loaded
    for each in (run, down, page):
        each.finish(term.log)
    return run, done


def _stories(database: Path) -> int:
    """Published stories of the one seeded challenge: the rows of the list walked."""
    with closing(sqlite3.connect(database)) as db:
        (count,) = db.execute("SELECT count(*) FROM submissions WHERE kind = 'story' "
                              "AND status = 'published'").fetchone()
    return int(count)


async def run_keys_bench(rows: int = 10_000, seeded: Path | None = None) -> KeyFigures:
    """Walk a list of ``rows`` stories. ``seeded``: a copy of this SQLite database is
    used instead of seeding one (it must hold a ``seed scale --slug keys`` challenge;
    the list then holds its stories, however many)."""
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
            submissions = int(rows / STORY_SHARE * 1.03)  # a margin over the share
            subprocess.run([sys.executable, "-m", "tui.cli", "seed", "scale", "--slug", slug,
                            "--users", "200", "--submissions", str(submissions), "--votes",
                            str(submissions), "--comments", "0"], env=env, check=True,
                           capture_output=True)
        listed = _stories(database)
        rows = min(rows, listed)
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
            calibration = await calibrate(server.url)
            app_env = {**env, "CHALLENGE_SERVER": server.url, "CHALLENGE_TOKEN": auth.token}
            runs: dict[str, tuple[Run, Walk]] = {}
            for which, wanted, run_env in (("bare", "Option 0:", {**env, "KEYS_ROWS": str(listed)}),
                                           ("app", first[:40], app_env)):
                term = Terminal(which, run_env, Path(tmp) / f"{which}.log")
                try:
                    term.wait_for(wanted)
                    term.settle()
                    term.learn_cursor(wanted)
                    runs[which] = walk(term, rows)
                finally:
                    term.close()
        finally:
            server.stop()
    return KeyFigures(rows=rows, listed=listed, app=runs["app"][0], bare=runs["bare"][0],
                      app_walk=runs["app"][1], bare_walk=runs["bare"][1],
                      calibration=calibration)


def _reached(w: Walk, listed: int) -> str:
    return (f"{w.presses:,} presses reached row {w.row + 1:,} of {listed:,} "
            f"({w.loaded:,} loaded)")


def report(f: KeyFigures) -> str:
    lost = (f" ({f.app.lost} app / {f.bare.lost} bare presses lost)"
            if f.app.lost or f.bare.lost else "")
    down, page = f.app_walk.down, f.app_walk.page
    assert down is not None and page is not None
    return "\n".join([
        f"walking {f.rows:,} rows down a list of {f.listed:,} (a cursor down, then three page "
        f"downs, over and over) through a pty: app {_reached(f.app_walk, f.listed)}; key to "
        f"frame on screen "
        f"{f.app.line('outside')} (goal 16 / 50 ms: {'met' if f.met else 'MISSED'}){lost}",
        f"app by key: cursor down {down.line('outside')}, page down {page.line('outside')}",
        f"bare Textual app (a stock OptionList of {f.listed:,} rows, walked the same way): "
        f"{_reached(f.bare_walk, f.listed)}; {f.bare.line('outside')}; ratio of medians "
        f"app/bare {f.ratio:.2f}",
        f"inside the process (key parsed → frame flushed): app {f.app.line('inside')}, "
        f"bare {f.bare.line('inside')}",
    ])


async def record_keys(*, argv: Sequence[str], info: dict[str, str], write: bool,
                      quick: bool = False) -> bool:
    from bench.common import bullets, record_run, say

    figures = await run_keys_bench(rows=1_000 if quick else 10_000)
    text = report(figures)
    say(text)
    record_run("tui-keys", "tui cursor keys", quick=quick, argv=argv, info=info,
               lines=bullets(text), heading="Terminal app list: cursor-key latency",
               calibration=figures.calibration, write=write,
               goal=("cursor key to frame, median / p99 <= 16 / 50 ms",
                     f"{figures.app.line()} over {figures.app_walk.presses:,} presses to row "
                     f"{figures.app_walk.row + 1:,}; app/bare {figures.ratio:.2f}", figures.met))
    return figures.met


if __name__ == "__main__":
    print(report(asyncio.run(run_keys_bench())))
