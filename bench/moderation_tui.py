"""Moderation keys with 500 queued items: from a decision key to the next item on screen.

The harness is ``bench.pty_keys``, shared with ``bench.tui_keys``: the app runs in a
pseudo-terminal (120x40, so the queue and the item are side by side) against a
``change-challenge serve`` subprocess on SQLite holding one pre-moderated challenge
with 500 pending submissions (``bench.moderation.seed_queue``), signed in as its
moderator, as a person runs it. It opens the moderation screen (``M``), then for each
press writes ``a`` (approve) to the terminal and reads what the app draws (through a
pyte screen, as a terminal would) until the item pane shows the next item's title; the
figure is the time from writing the key to reading that frame. The decision itself
goes to the server in the background (it is optimistic): what is timed is what the
moderator waits for. A short pause follows each press, about a quick moderator's pace.

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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import pty_keys
from bench.client import demo_server
from bench.pty_keys import Run, terminal_env

NAME = "moderation-tui-server"
COLUMNS, LINES = 120, 40
PANES_ROW = 2  # the status line, the heading, then the list and the item
PAUSE = 0.06  # after each press: a quick moderator reads the title, at least
WARM_UP = 5  # presses first, not timed (first use of the worker, the request path)


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


class Terminal(pty_keys.Terminal):
    """The app or the baseline in a pty, and the item its item pane shows."""

    launcher = "bench.moderation_tui_launch"
    columns, lines = COLUMNS, LINES

    def item_title(self) -> str:
        """The first line of the item pane (right of the list's border)."""
        line = self.screen.display[PANES_ROW]
        return line.split("│", 1)[1].strip() if "│" in line else ""

    def wait_for(self, check: str, *, title: bool = False, limit: float = 120) -> None:
        self.wait_until((lambda: self.item_title() == check) if title
                        else (lambda: check in self.text()), check, limit)

    def press(self, key: bytes, title: str) -> pty_keys.Timed | None:
        """Send ``key``; (when it was written, when the item pane showing ``title`` was read)."""
        return self.press_until(key, lambda: self.item_title() == title)


def title(index: int) -> str:
    return f"Queued story {index}"


def drive(term: Terminal, decisions: int, moves: int) -> tuple[Run, Run]:
    """``a`` ``decisions`` times (after a warm-up), then ``j``/``k`` ``moves`` times."""
    pace = random.Random(1)
    decide, move = Run(), Run()
    current = 0
    for n in range(WARM_UP + decisions):
        pressed = term.press(b"a", title(current + 1))
        current += 1
        if n >= WARM_UP:
            decide.add(pressed)
        elif pressed is None:
            raise RuntimeError(f"warm-up press {n} was lost:\n{term.text()}")
        term.pause(PAUSE * (0.5 + pace.random()))
    for n in range(moves):
        step = 1 if n % 2 == 0 else -1
        pressed = term.press(b"j" if step == 1 else b"k", title(current + step))
        current += step
        move.add(pressed)
        term.pause(PAUSE * (0.5 + pace.random()))
    decide.finish(term.log)
    move.finish(term.log)
    return decide, move


async def run_moderation_tui_bench(items: int = 500, decisions: int = 300,
                                   moves: int = 100) -> Figures:
    from bench.moderation import seed_queue
    from server.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "queue.db"
        url = f"sqlite+aiosqlite:///{database}"
        await upgrade(url)
        token, _ids = await seed_queue(url, items)
        env = {**terminal_env(Path(tmp), database), "QUEUE_ITEMS": str(items)}
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
    lost = (f" ({f.decide.lost} presses lost)" if f.decide.lost or f.bare_decide.lost
            else "")
    made = WARM_UP + decisions
    all_made = "all made" if f.left_on_server == f.items - made else "NOT all made"
    return "\n".join([
        f"decision key (a) to the next item on screen, {f.items} queued, {decisions} "
        f"presses through a pty at 120x40: app {f.decide.line()} (goal median <= 50 ms: "
        f"{'met' if f.met else 'MISSED'}){lost}",
        f"same keys, stock Textual widgets (OptionList of {f.items} + Static): "
        f"{f.bare_decide.line()}; ratio of medians app/stock {f.ratio:.2f}",
        f"inside the process (key parsed → frame flushed): app {f.decide.line('inside')}, "
        f"stock {f.bare_decide.line('inside')}",
        f"cursor keys (j/k) on the same screen: app {f.move.line()}, stock "
        f"{f.bare_move.line()}",
        f"on the server afterwards: {f.left_on_server} pending of {f.items} "
        f"({made} approvals sent: {all_made})",
    ])


async def record_moderation_tui(*, argv: Sequence[str], info: dict[str, str], write: bool,
                                quick: bool = False) -> bool:
    from bench.common import bullets, calibrate, record_run, say

    decisions, moves = (60, 20) if quick else (300, 100)
    say(f"\n== moderation screen: {decisions} decisions on a queue of 500 ==")
    figures = await run_moderation_tui_bench(decisions=decisions, moves=moves)
    text = report(figures, decisions)
    say(text)
    record_run("moderation-tui", "moderation screen keys", quick=quick, argv=argv,
               info=info, lines=bullets(text), calibration=await calibrate(), write=write,
               heading="Moderation screen: decision key to the next item",
               goal=("decision key to next item: median <= 50 ms",
                     f"{figures.decide.line()}; stock widgets ratio {figures.ratio:.2f}",
                     figures.met))
    return figures.met


if __name__ == "__main__":
    print(report(asyncio.run(run_moderation_tui_bench()), 300))
