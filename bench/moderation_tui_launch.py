"""Runs the app (``app``) or the baseline (``bare``) for ``bench.moderation_tui``, with
Textual's driver timed exactly as ``bench.tui_keys_launch`` times it (``KEYS_LOG``).

The baseline is the same visible change made with stock Textual widgets: an
OptionList of as many queued titles beside a Static showing the highlighted one;
``a`` removes the highlighted option and shows the next title and the count left.
It is laid out like the moderation screen (a line above, a heading, a 46-column
list, the item beside it), so the harness reads both the same way.
"""

from __future__ import annotations

import os
import sys
from typing import ClassVar

from bench.tui_keys_launch import launch

ITEMS = int(os.environ.get("QUEUE_ITEMS", "500"))


def run_bare() -> None:
    from textual.app import App, ComposeResult
    from textual.binding import Binding, BindingType
    from textual.containers import Horizontal
    from textual.content import Content
    from textual.widgets import OptionList, Static

    class Bare(App[None]):
        CSS = """
        #list { width: 46; height: 1fr; border: none; }
        #item { width: 1fr; height: 1fr; border-left: solid $primary; padding: 0 1; }
        #panes { height: 1fr; }
        """
        BINDINGS: ClassVar[list[BindingType]] = [
            Binding("a", "decide"), Binding("j", "down"), Binding("k", "up")]

        def compose(self) -> ComposeResult:
            yield Static(" bare baseline")
            yield Static(f" Moderation  {ITEMS} left", id="heading")
            with Horizontal(id="panes"):
                yield OptionList(*(f"Queued story {i}" for i in range(ITEMS)), id="list")
                yield Static("", id="item")

        def on_mount(self) -> None:
            self.show()

        def show(self) -> None:
            options = self.query_one(OptionList)
            index = options.highlighted
            title = "" if index is None else str(options.get_option_at_index(index).prompt)
            self.query_one("#item", Static).update(Content(f"{title}\nstory · pending"))
            self.query_one("#heading", Static).update(
                Content(f" Moderation  {options.option_count} left"))

        def on_option_list_option_highlighted(self) -> None:
            self.show()

        def action_decide(self) -> None:
            options = self.query_one(OptionList)
            if options.highlighted is not None:
                options.remove_option_at_index(options.highlighted)
                self.show()

        def action_down(self) -> None:
            self.query_one(OptionList).action_cursor_down()

        def action_up(self) -> None:
            self.query_one(OptionList).action_cursor_up()

    Bare().run()


def main(argv: list[str]) -> int:
    return launch(argv, run_bare)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
