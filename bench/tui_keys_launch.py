"""Runs the app (``app``) or the baseline (``bare``) with Textual's driver timed.

``python -m bench.tui_keys_launch app|bare`` with ``KEYS_LOG`` naming a file. Two
lines are logged, on the system-wide monotonic clock the harness also reads:

- ``key <t> <key>``: the driver's input thread has parsed a key from the terminal
  (the moment the app can start on it);
- ``frame <t> <bytes>``: the driver's writer thread has written and flushed output
  to the terminal;
- ``row <t> <index> <loaded>``: the list's cursor moved to row ``index`` (from 0) of
  ``loaded`` rows, so the harness knows how far the walk has gone.

Nothing in the app is changed: the wrapping is of Textual's driver and of the list's
``move_to`` only (pinned Textual 8.2.8); the bare app logs its cursor the same way.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

BARE_ROWS = int(os.environ.get("KEYS_ROWS", "10000"))


def instrument(log_path: str) -> None:
    from textual import events
    from textual.drivers._writer_thread import WriterThread
    from textual.drivers.linux_driver import LinuxDriver

    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
    process_message = LinuxDriver.process_message

    def timed_process_message(self: LinuxDriver, message: Any) -> None:
        if isinstance(message, events.Key):
            log.write(f"key {time.monotonic():.6f} {message.key}\n")
        process_message(self, message)

    def timed_run(self: WriterThread) -> None:
        # Textual's WriterThread.run, with the flush timed.
        write = self._file.write
        flush = self._file.flush
        get = self._queue.get
        qsize = self._queue.qsize
        pending = 0
        while True:
            text = get()
            if text is None:
                break
            write(text)
            pending += len(text)
            if qsize() == 0:
                flush()
                log.write(f"frame {time.monotonic():.6f} {pending}\n")
                pending = 0
        flush()

    LinuxDriver.process_message = timed_process_message  # type: ignore[method-assign]
    WriterThread.run = timed_run  # type: ignore[method-assign]
    global row_log
    row_log = log


row_log: Any = None


def log_row(index: int | None, loaded: int) -> None:
    if row_log is not None and index is not None:
        row_log.write(f"row {time.monotonic():.6f} {index} {loaded}\n")


def follow_app_list() -> None:
    """Log where the app's list cursor is after each move (wrapping ``move_to``)."""
    from tui.widgets.submission_list import SubmissionList

    move_to = SubmissionList.move_to

    def logged_move_to(self: SubmissionList, index: int) -> None:
        move_to(self, index)
        log_row(self.highlighted, len(self.items))

    SubmissionList.move_to = logged_move_to  # type: ignore[method-assign]


def run_bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import OptionList

    class Bare(App[None]):
        """A stock OptionList with as many rows, moved by the same keys."""

        def compose(self) -> ComposeResult:
            yield OptionList(*(f"Option {i}: a one-line row, about as long as a title"
                               for i in range(BARE_ROWS)))

        def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted,
                                              ) -> None:
            log_row(event.option_index, BARE_ROWS)

    Bare().run()


def launch(argv: list[str], run_bare: Callable[[], None]) -> int:
    """With the driver timed into ``KEYS_LOG``: ``run_bare`` if ``argv`` says ``bare``,
    else the app."""
    instrument(os.environ["KEYS_LOG"])
    if argv[:1] == ["bare"]:
        run_bare()
        return 0
    from tui.cli import main as app_main

    follow_app_list()
    return app_main([])


def main(argv: list[str]) -> int:
    return launch(argv, run_bare)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
