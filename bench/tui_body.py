"""A submission's body of any shape: how long a key pressed right after opening it
waits, with the app's Body widget and with a bare Markdown widget (the app before).

Headless (``App.run_test``, 80x24): the body is set while another thread presses a
key every 10 ms for 1.5 s; the figure is the longest any of those keys waited from
being pressed to its action running (a busy event loop makes them all wait). Every shape is
10,000 characters at most, the API's limit. Goal: <= 100 ms for every shape.

``python -m bench tui-body`` prints the table (RESULTS.md is left alone).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from bench.common import machine_line, say, table
from tui.widgets.body import Body

LIMIT = 10_000
GOAL_MS = 100.0


def _table(rows: int, columns: int) -> str:
    line = "|" + "|".join(["x"] * columns) + "|\n"
    return ("|" + "|".join(f"c{i}" for i in range(columns)) + "|\n"
            + "|" + "|".join(["-"] * columns) + "|\n" + line * rows)


SHAPES: dict[str, str] = {
    "table 200 x 24": _table(200, 24)[:LIMIT],
    "table of 2,450 columns": ("|a" * 2450 + "|\n" + "|-" * 2450 + "|\n")[:LIMIT],
    "1,666 paragraphs": "word\n\n" * 1666,
    "1,428 list items": "- item\n" * 1428,
    "2,500 headings": "# h\n" * 2500,
    "2,000 quotes": "> q\n\n" * 2000,
    "a 5,000-line code block": "```\n" + "x\n" * 4990 + "```\n",
    "prose, one paragraph": ("lorem ipsum dolor sit amet " * 400)[:LIMIT],
    "a usual post": ("## What we did\n\nWe met **every** morning.\n\n- one\n- two\n- three\n\n"
                     "| a | b |\n|---|---|\n| 1 | 2 |\n\n> It worked.\n") * 4,
}


WINDOW = 1.5  # seconds after opening in which keys are pressed
EVERY = 0.01  # a key every 10 ms, from another thread (as the terminal's reader is)


class _Bench(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "mark")]

    def __init__(self, make: Callable[[], Body | Markdown]) -> None:
        super().__init__()
        self.make = make
        self.handled: list[float] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.make()

    def action_mark(self) -> None:
        self.handled.append(time.perf_counter())


async def key_wait(text: str, widget: str) -> float:
    """The longest a key pressed in the ``WINDOW`` after the body is set waits to be
    handled, in ms."""
    from textual import events

    app = _Bench(Body if widget == "app" else lambda: Markdown(open_links=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        loop = asyncio.get_running_loop()
        posted: list[float] = []

        def press() -> None:  # in a thread: the event loop may be busy
            end = time.perf_counter() + WINDOW
            while time.perf_counter() < end:
                posted.append(time.perf_counter())
                loop.call_soon_threadsafe(app.post_message, events.Key("x", "x"))
                time.sleep(EVERY)

        presser = threading.Thread(target=press)
        presser.start()
        if widget == "app":
            app.query_one(Body).update(text)
        else:
            app.query_one(Markdown).update(text)
        await asyncio.to_thread(presser.join)
        while len(app.handled) < len(posted):
            await pilot.pause()
        return max(h - p for p, h in zip(posted, app.handled, strict=True)) * 1000


async def record_body(argv: Sequence[str], info: dict[str, str]) -> bool:
    rows, met = [], True
    for name, text in SHAPES.items():
        app_ms = await key_wait(text, "app")
        bare_ms = await key_wait(text, "markdown")
        met &= app_ms <= GOAL_MS
        rows.append([name, f"{len(text):,}", f"{app_ms:.0f}", f"{bare_ms:.0f}"])
    say(machine_line(info))
    say(table(["body", "characters", "app: longest key wait (ms)",
               "bare Markdown (ms)"], rows))
    return met
