"""Runs the app (``app``) or the baseline (``bare``) for ``bench.guide_tui``, with
Textual's driver timed as ``bench.tui_keys_launch`` times it (``KEYS_LOG``).

The baseline makes the same visible changes with stock Textual widgets and the same
text (``bench.guide_data.bodies``, already in memory: no server): a one-row list;
``enter`` pushes a screen with the newest text in a ``Markdown`` widget; ``H`` pushes a
screen with an ``OptionList`` of the versions and a ``Static`` holding the newest
version's unified diff (difflib); ``l`` shows the highlighted version's diff; ``escape``
pops. What it leaves out is the app's work: the requests, the citations, the layout.
"""

from __future__ import annotations

import difflib
import os
import sys
from typing import ClassVar

from bench.tui_keys_launch import launch

VERSIONS = int(os.environ.get("GUIDE_VERSIONS", "200"))


def run_bare() -> None:
    from textual.app import App, ComposeResult
    from textual.binding import Binding, BindingType
    from textual.content import Content
    from textual.screen import Screen
    from textual.widgets import Markdown, OptionList, Static

    from bench.guide_data import TITLE, bodies

    texts = bodies(VERSIONS)

    def unified(version: int) -> Content:
        old = texts[version - 2].splitlines() if version > 1 else []
        lines = difflib.unified_diff(old, texts[version - 1].splitlines(), lineterm="", n=3)
        return Content("\n".join(lines))

    class Entry(Screen[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen"),
                                                 Binding("H", "history")]

        def compose(self) -> ComposeResult:
            yield Static(Content(TITLE))
            yield Markdown(texts[-1])

        def action_history(self) -> None:
            self.app.push_screen(History())

    class History(Screen[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen"),
                                                 Binding("l", "show"), Binding("j", "down")]

        def compose(self) -> ComposeResult:
            yield Static(Content(f"History of {TITLE}"))
            yield OptionList(*(f"v{v}" for v in range(VERSIONS, 0, -1)), id="versions")
            yield Static(unified(VERSIONS), id="diff")

        def action_show(self) -> None:
            index = self.query_one(OptionList).highlighted or 0
            self.query_one("#diff", Static).update(unified(VERSIONS - index))

        def action_down(self) -> None:
            self.query_one(OptionList).action_cursor_down()

    class Bare(App[None]):
        CSS = "#versions { height: 7; }"

        def compose(self) -> ComposeResult:
            yield Static(Content("Guide bench"))
            yield OptionList(TITLE)

        def on_option_list_option_selected(self) -> None:
            self.push_screen(Entry())

    Bare().run()


def main(argv: list[str]) -> int:
    # GUIDE_PROFILE=path: cProfile the whole run into path.app.prof / path.bare.prof
    # (the harness then ends the app with SIGTERM, not SIGKILL).
    profile = os.environ.get("GUIDE_PROFILE")
    if not profile:
        return launch(argv, run_bare)
    import cProfile
    import signal

    profiler = cProfile.Profile()

    def stop(*_: object) -> None:  # the harness ends the app with SIGTERM when profiling
        profiler.disable()
        profiler.dump_stats(f"{profile}.{argv[0] if argv else 'app'}.prof")
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    profiler.enable()
    return launch(argv, run_bare)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
