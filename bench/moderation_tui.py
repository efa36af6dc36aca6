"""Moderation keys with 500 queued items: from a decision key to the next item on screen.

The harness is ``bench.tui_keys``'s: the app runs in a pseudo-terminal (120x40, so
the queue and the item are side by side) against a ``change-challenge serve``
subprocess on SQLite holding one pre-moderated challenge with 500 pending
submissions (``bench.moderation``'s seed), signed in as its moderator, as a person
runs it. It opens the moderation screen (``M``), then for each press writes ``a``
(approve) to the terminal and reads what the app draws (through a pyte screen, as a
terminal would) until the item pane shows the next item's title; the figure is the
time from writing the key to reading that frame. The decision itself goes to the
server in the background (it is optimistic): what is timed is what the moderator
waits for. A short pause follows each press, about a quick moderator's pace.

Also from the same run:

- inside the app: from the driver parsing the key to the driver flushing the frame
  (``bench.tui_keys_launch``'s timing of Textual's driver; no app code changes);
- cursor moves (``j``/``k``) on the same screen: the cost of showing another item
  without deciding anything;
- a baseline, through the same harness: stock Textual widgets making the same visible
  change (an OptionList of 500 titles, ``a`` removes the highlighted one and a Static
  beside it shows the next; ``bench.moderation_tui_launch``). The ratio of medians
  says how the screen compares with Textual's own widgets.

Goal (issue 5): median <= 50 ms, judged on the outside figure.
"""

from __future__ import annotations

import asyncio
import os
import random
import select
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pyte

from bench.client import demo_server
from bench.tui_keys import inside_latencies

NAME = "moderation-tui-server"
COLUMNS, LINES = 120, 40
PANES_ROW = 2  # the status line, the heading, then the list and the item
PAUSE = 0.06  # after each press: a quick moderator reads the title, at least
PRESS_LIMIT = 5.0  # seconds a press may take before it counts as lost
WARM_UP = 5  # presses first, not timed (first use of the worker, the request path)


@dataclass
class Run:
    """One app's presses of one key: outside and inside latencies, in milliseconds."""

    outside: list[float] = field(default_factory=list)
    inside: list[float] = field(default_factory=list)
    lost: int = 0

    def median(self, which: str = "outside") -> float:
        values = self.inside if which == "inside" else self.outside
        return statistics.median(values) if values else float("nan")

    def p99(self, which: str = "outside") -> float:
        values = sorted(self.inside if which == "inside" else self.outside)
        return values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("nan")


@dataclass
class Figures:
    items: int
    decide: Run
    move: Run
    bare_decide: Run
    bare_move: Run
    left_on_server: int = -1  # pending after the run: items - decisions, if all were made

    @property
    def ratio(self) -> float:
        return self.decide.median() / self.bare_decide.median()

    @property
    def met(self) -> bool:
        return self.decide.median() <= 50 and self.decide.lost == 0


class Terminal:
    """A launched process in a pty and its screen, read as ``bench.tui_keys`` reads it."""

    def __init__(self, which: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(sys.executable, ["-m", "bench.moderation_tui_launch", which],
                                   env={**env, "KEYS_LOG": str(log)},
                                   dimensions=(LINES, COLUMNS))

    def read(self, timeout: float) -> float | None:
        """Feed what the app wrote to the screen; when the last byte was read, or None."""
        fd = self.child.child_fd
        if not select.select([fd], [], [], timeout)[0]:
            return None
        chunks = []
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the app has gone
                break
            if not data:
                break
            chunks.append(data)
            if not select.select([fd], [], [], 0)[0]:
                break
        when = time.monotonic()
        if not chunks:
            raise RuntimeError("the app closed its terminal")
        self.stream.feed(b"".join(chunks))
        return when

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def item_title(self) -> str:
        """The first line of the item pane (right of the list's border)."""
        line = self.screen.display[PANES_ROW]
        return line.split("│", 1)[1].strip() if "│" in line else ""

    def wait_for(self, check: str, *, title: bool = False, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while not (self.item_title() == check if title else check in self.text()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{check!r} never appeared:\n{self.text()}")
            self.read(1)

    def settle(self, quiet: float = 0.5, limit: float = 30) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.read(quiet) is not None:
            pass

    def press(self, key: bytes, title: str) -> tuple[float, float] | None:
        """Send ``key``; (when it was written, when the item pane showing ``title`` was read)."""
        sent = time.monotonic()
        os.write(self.child.child_fd, key)
        while time.monotonic() - sent < PRESS_LIMIT:
            when = self.read(PRESS_LIMIT)
            if when is not None and self.item_title() == title:
                return sent, when
        return None

    def pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.read(left)

    def close(self) -> None:
        if self.child.isalive():
            self.child.kill(9)
        self.child.close(force=True)


def title(index: int) -> str:
    return f"Queued story {index}"


def drive(term: Terminal, decisions: int, moves: int) -> tuple[Run, Run]:
    """``a`` ``decisions`` times (after a warm-up), then ``j``/``k`` ``moves`` times."""
    pace = random.Random(1)
    decide, move = Run(), Run()
    timed: dict[str, list[tuple[float, float]]] = {"decide": [], "move": []}
    current = 0
    for n in range(WARM_UP + decisions):
        pressed = term.press(b"a", title(current + 1))
        current += 1
        if n >= WARM_UP:
            if pressed is None:
                decide.lost += 1
            else:
                timed["decide"].append(pressed)
                decide.outside.append((pressed[1] - pressed[0]) * 1000)
        elif pressed is None:
            raise RuntimeError(f"warm-up press {n} was lost:\n{term.text()}")
        term.pause(PAUSE * (0.5 + pace.random()))
    for n in range(moves):
        step = 1 if n % 2 == 0 else -1
        pressed = term.press(b"j" if step == 1 else b"k", title(current + step))
        current += step
        if pressed is None:
            move.lost += 1
        else:
            timed["move"].append(pressed)
            move.outside.append((pressed[1] - pressed[0]) * 1000)
        term.pause(PAUSE * (0.5 + pace.random()))
    decide.inside = inside_latencies(term.log, timed["decide"])
    move.inside = inside_latencies(term.log, timed["move"])
    return decide, move


async def run_moderation_tui_bench(items: int = 500, decisions: int = 300,
                                   moves: int = 100) -> Figures:
    from bench.moderation import _seed
    from server.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "queue.db"
        url = f"sqlite+aiosqlite:///{database}"
        await upgrade(url)
        token, _ids = await _seed(url, items)
        env = {**os.environ, "CHALLENGE_DATABASE_URL": f"sqlite:///{database}",
               "CHALLENGE_ARGON2_MEMORY_KIB": "1024", "CHALLENGE_ARGON2_TIME_COST": "1",
               "XDG_DATA_HOME": str(Path(tmp) / "data"),
               "XDG_CONFIG_HOME": str(Path(tmp) / "config"), "TERM": "xterm-256color",
               "COLORTERM": "truecolor", "QUEUE_ITEMS": str(items)}
        server = demo_server(NAME, env)
        runs: dict[str, tuple[Run, Run]] = {}
        try:
            await server.start()
            app_env = {**env, "CHALLENGE_SERVER": server.url, "CHALLENGE_TOKEN": token}
            for which, run_env in (("bare", env), ("app", app_env)):
                term = Terminal(which, run_env, Path(tmp) / f"{which}.log")
                try:
                    if which == "app":
                        term.wait_for("Moderation bench")  # the lone challenge, opened
                        term.settle()
                        os.write(term.child.child_fd, b"M")
                    term.wait_for(title(0), title=True)
                    term.settle()
                    runs[which] = drive(term, decisions, moves)
                    term.settle()  # the decisions still on their way are answered
                finally:
                    term.close()
            left = await _pending(url)
        finally:
            server.stop()
    return Figures(items=items, decide=runs["app"][0], move=runs["app"][1],
                   bare_decide=runs["bare"][0], bare_move=runs["bare"][1],
                   left_on_server=left)


async def _pending(url: str) -> int:
    from sqlalchemy import func, select

    from server.db import Database
    from server.tables import SubmissionRow

    db = Database.connect(url, pool_size=1)
    try:
        async with db.read() as session:
            return int((await session.execute(select(func.count()).select_from(SubmissionRow)
                                              .where(SubmissionRow.status == "pending"))
                        ).scalar_one())
    finally:
        await db.dispose()


def report(f: Figures, decisions: int) -> str:
    def line(run: Run, which: str = "outside") -> str:
        return f"median {run.median(which):.1f} ms, p99 {run.p99(which):.1f} ms"

    lost = (f" ({f.decide.lost} presses lost)" if f.decide.lost or f.bare_decide.lost
            else "")
    made = WARM_UP + decisions
    all_made = "all made" if f.left_on_server == f.items - made else "NOT all made"
    return "\n".join([
        f"decision key (a) to the next item on screen, {f.items} queued, {decisions} "
        f"presses through a pty at 120x40: app {line(f.decide)} (goal median <= 50 ms: "
        f"{'met' if f.met else 'MISSED'}){lost}",
        f"same keys, stock Textual widgets (OptionList of {f.items} + Static): "
        f"{line(f.bare_decide)}; ratio of medians app/stock {f.ratio:.2f}",
        f"inside the process (key parsed → frame flushed): app {line(f.decide, 'inside')}, "
        f"stock {line(f.bare_decide, 'inside')}",
        f"cursor keys (j/k) on the same screen: app {line(f.move)}, stock "
        f"{line(f.bare_move)}",
        f"on the server afterwards: {f.left_on_server} pending of {f.items} "
        f"({made} approvals sent: {all_made})",
    ])


async def record_moderation_tui(*, argv: Sequence[str], info: dict[str, str], write: bool,
                                quick: bool = False) -> bool:
    from datetime import UTC, datetime

    from bench.common import command_line, machine_line, record, say

    decisions, moves = (60, 20) if quick else (300, 100)
    say(f"\n== moderation screen: {decisions} decisions on a queue of 500 ==")
    figures = await run_moderation_tui_bench(decisions=decisions, moves=moves)
    text = report(figures, decisions)
    say(text)
    if write:
        record("moderation-tui-quick" if quick else "moderation-tui", "\n".join([
            f"**moderation screen keys** — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  ",
            f"command: `{command_line(list(argv))}`  ",
            f"machine: {machine_line(info)}  ", "",
            *[f"- {line}" for line in text.splitlines()]]),
            heading="Moderation screen: decision key to the next item"
                    + (" (quick)" if quick else ""))
    return figures.met


if __name__ == "__main__":
    print(report(asyncio.run(run_moderation_tui_bench()), 300))
