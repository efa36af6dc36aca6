"""A submission's body of any shape: how long a key pressed right after opening it
waits, with the app's Body widget and with a bare Markdown widget (the app before).

Headless (``App.run_test``, 80x24): the body is set while another thread presses a
key every 10 ms for 1.5 s; a run's figure is the longest any of those keys waited from
being pressed to its action running (a busy event loop makes them all wait). Each shape
is run ``RUNS`` times: the median of the runs and the worst. Every shape is 10,000
characters at most, the API's limit. Goal: median <= 100 ms for every shape.

Before each run the heap is collected and frozen, as the app's is after start-up.
In the same run: the calibration (``bench.common.calibrate``), a baseline (an empty
body: what this machine's load alone makes a key wait), how long the body takes to be
shown completely, and a first open in a fresh process (the imports of the Markdown
widget and markdown-it on the event loop, as before, or done at start-up in a thread by
``tui.app.warm``, as the app does now).

``python -m bench tui-body`` prints the table (RESULTS.md is left alone).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget

from bench.common import calibrate, machine_line, record_run, say, table

LIMIT = 10_000
GOAL_MS = 100.0
RUNS = 3


def table_body(rows: int, columns: int) -> str:
    line = "|" + "|".join(["x"] * columns) + "|\n"
    return ("|" + "|".join(f"c{i}" for i in range(columns)) + "|\n"
            + "|" + "|".join(["-"] * columns) + "|\n" + line * rows)


USUAL = ("## What we did\n\nWe met **every** morning.\n\n- one\n- two\n- three\n\n"
         "| a | b |\n|---|---|\n| 1 | 2 |\n\n> It worked.\n") * 4
# Bodies at the size limit that would make thousands of Markdown widgets (also the
# shapes tests/test_tui_body.py checks are shown as written).
HEAVY: dict[str, str] = {
    "table 200 x 24": table_body(200, 24)[:LIMIT],
    "table of 2,450 columns": ("|a" * 2450 + "|\n" + "|-" * 2450 + "|\n")[:LIMIT],
    "1,666 paragraphs": "word\n\n" * 1666,
    "1,428 list items": "- item\n" * 1428,
    "2,500 headings": "# h\n" * 2500,
    "2,000 quotes": "> q\n\n" * 2000,
    "a 5,000-line code block": "```\n" + "x\n" * 4990 + "```\n",
}
SHAPES: dict[str, str] = {
    "nothing (baseline: the machine)": "",
    **HEAVY,
    "prose, one paragraph": ("lorem ipsum dolor sit amet " * 400)[:LIMIT],
    "a usual post": USUAL,
    # The largest bodies still drawn as Markdown (see tui.body's budgets).
    "120 short paragraphs": "word\n\n" * 120,
    "a list of 15 items": "- item\n" * 15,
    "a table of 7 rows x 6 columns": table_body(7, 6),
}


WINDOW = 1.5  # seconds after opening in which keys are pressed
EVERY = 0.01  # a key every 10 ms, from another thread (as the terminal's reader is)


class _Bench(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "mark")]

    def __init__(self, make: Callable[[], Widget] | None) -> None:
        super().__init__()
        self.make = make
        self.handled: list[float] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if self.make is not None:
                yield self.make()

    def action_mark(self) -> None:
        self.handled.append(time.perf_counter())


def _settled_heap() -> None:
    """What earlier runs left collected, and the rest kept out of the collector's full
    passes, as the app's heap is after start-up (``tui.app.ChallengeApp.started``): else
    a full pass over the thousands of widgets earlier runs made lands in a later run."""
    gc.collect()
    gc.freeze()


def _presser(app: _Bench, posted: list[float]) -> threading.Thread:
    """A thread pressing x every ``EVERY`` for ``WINDOW`` (the event loop may be busy)."""
    from textual import events

    loop = asyncio.get_running_loop()

    def press() -> None:
        end = time.perf_counter() + WINDOW
        while time.perf_counter() < end:
            posted.append(time.perf_counter())
            loop.call_soon_threadsafe(app.post_message, events.Key("x", "x"))
            time.sleep(EVERY)

    return threading.Thread(target=press)


async def key_wait(text: str, widget: str) -> tuple[float, float]:
    """The longest a key pressed in the ``WINDOW`` after the body is set waits to be
    handled, and how long the body took to be shown completely, in ms."""
    from textual.widgets import Markdown

    from tui.widgets.body import Body

    _settled_heap()
    app = _Bench(Body if widget == "app" else lambda: Markdown(open_links=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        posted: list[float] = []
        presser = _presser(app, posted)
        presser.start()
        began = time.perf_counter()
        if widget == "app":
            app.query_one(Body).update(text)
            await app.workers.wait_for_complete()
        else:
            await app.query_one(Markdown).update(text)
        await pilot.pause()  # laid out and drawn
        shown = time.perf_counter() - began
        await asyncio.to_thread(presser.join)
        while len(app.handled) < len(posted):
            await pilot.pause()
        waited = max(h - p for p, h in zip(posted, app.handled, strict=True))
        return waited * 1000, shown * 1000


# --- a first open in a fresh process ---------------------------------------------------


async def first_open(warm: bool) -> float:
    """In this (fresh) process: the longest key wait while a usual post is opened for
    the first time; ``warm``: after ``tui.app.warm`` ran in a thread, as the app does
    while its first screen is read."""
    if warm:
        from tui.app import warm as warm_up

        await asyncio.to_thread(warm_up)
    _settled_heap()
    app = _Bench(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        posted: list[float] = []
        presser = _presser(app, posted)
        presser.start()
        # What opening a submission imports on the event loop (tui.screens.challenge).
        from tui.screens.submission import SubmissionScreen  # noqa: F401
        from tui.widgets.body import Body

        body = Body()
        await app.query_one(VerticalScroll).mount(body)
        body.update(USUAL)
        await app.workers.wait_for_complete()
        await asyncio.to_thread(presser.join)
        while len(app.handled) < len(posted):
            await pilot.pause()
        return max(h - p for p, h in zip(posted, app.handled, strict=True)) * 1000


def _fresh(warm: bool) -> float:
    done = subprocess.run([sys.executable, "-m", "bench.tui_body", "first-open",
                           "warm" if warm else "cold"], capture_output=True, text=True,
                          timeout=120, check=True)
    return float(done.stdout.split()[-1])


def _figure(runs: Sequence[float]) -> str:
    return f"{statistics.median(runs):.0f} ({max(runs):.0f})"


async def record_body(argv: Sequence[str], info: dict[str, str], *, write: bool = True,
                      quick: bool = False) -> bool:
    from tui.body import formatted

    calibration = await calibrate()
    rows, worst = [], 0.0
    for name, text in SHAPES.items():
        app = [await key_wait(text, "app") for _ in range(RUNS)]
        bare = [await key_wait(text, "markdown") for _ in range(RUNS)]
        app_waits = [wait for wait, _ in app]
        worst = max(worst, statistics.median(app_waits))
        rows.append([name, f"{len(text):,}", "Markdown" if formatted(text) else "as written",
                     _figure(app_waits), f"{statistics.median(s for _, s in app):.0f}",
                     _figure([wait for wait, _ in bare]),
                     f"{statistics.median(s for _, s in bare):.0f}"])
    for warm in (False, True):
        runs = [await asyncio.to_thread(_fresh, warm) for _ in range(RUNS)]
        if warm:
            worst = max(worst, statistics.median(runs))
        rows.append(["a usual post, first open in a fresh process, imports "
                     + ("done at start-up in a thread (now)" if warm
                        else "on the event loop (before)"),
                     f"{len(USUAL)}", "Markdown", _figure(runs), "", "", ""])
    say(machine_line(info))
    heading = (f"key wait: median (worst) of {RUNS} runs, ms; shown: median ms until the "
               "body is shown completely")
    result = table(["body", "characters", "app shows it as", "app: key wait", "app: shown",
                    "bare Markdown: key wait", "bare Markdown: shown"], rows)
    say(heading)
    say(result)
    met = worst <= GOAL_MS
    record_run("tui-body", "tui body key wait", quick=quick, argv=argv, info=info,
               lines=["", heading, "", result], heading="Terminal app: opening a body",
               calibration=calibration, write=write,
               goal=(f"longest key wait while a body opens, median <= {GOAL_MS:.0f} ms",
                     f"worst shape {worst:.0f} ms", met))
    return met


if __name__ == "__main__" and sys.argv[1:2] == ["first-open"]:
    print(f"{asyncio.run(first_open(sys.argv[2] == 'warm')):.1f}")
