"""The bottom line: the keys the screen offers where the focus is, as one line of text.

Textual's ``Footer`` makes a widget per key and builds them all again whenever the
bindings change, which is every focus change; at start-up that was about a tenth of
the time to the first list. This shows the same hints as one line, drawn again (not
rebuilt) when they change. A click on a key presses it, as in the Footer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.content import Content
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


HELP_RANK = 0  # "? Help" is always offered
PALETTE_RANK = 700  # the command palette: after the screen's own keys
# Keys everyone knows (they are in the help), left out before the screen's own.
LATE = {"quit": 900, "app.quit": 900, "refresh": 800}
# Keys shown only when all the others fit, by their whole action: the ranking sorts of
# issue 15 come after the four everyday ones, and 80 columns keep search and write.
SPARE = {"sort('pairwise')": 950, "sort('bridging')": 960}
_ASIDE = re.compile(r"\s*\([^)]*\)")


def rank(action: str, order: int) -> int:
    """How important a key is to show (lower first): help, then the screen's keys in the
    order it lists them, then the palette, then refreshing and quitting."""
    name = action.partition("(")[0]
    if name in ("help", "app.help"):
        return HELP_RANK
    return SPARE.get(action) or LATE.get(name, order)


@dataclass(frozen=True, eq=False)
class Hint:
    key: str
    display: str
    description: str
    enabled: bool
    rank: int
    palette: bool = False

    def said(self, short: bool) -> str:
        """The description; short: without what is in brackets ("Close (edit kept)")."""
        return _ASIDE.sub("", self.description) if short else self.description

    def width(self, short: bool) -> int:
        return Content(f"{self.display} {self.said(short)}").cell_length


class KeyBar(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background;
             color: $footer-foreground; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background;
                             text-style: bold; }
    KeyBar > .key-bar--description { color: $footer-description-foreground;
                                     background: $footer-description-background; }
    KeyBar > .key-bar--separator { color: $foreground 20%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Where each key was drawn, (start, end, key), for clicks.
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def _hint(self, display: str, description: str, enabled: bool) -> Content:
        key_style = self.get_visual_style("key-bar--key")
        text_style = self.get_visual_style("key-bar--description")
        hint = Content.assemble((display, key_style), (f" {description}", text_style))
        return hint if enabled else hint.stylize("dim")

    def _hints(self) -> list[Hint]:
        """The keys to offer, in the screen's order (one per action), each ranked."""
        app = self.app
        active = self.screen.active_bindings
        hints: list[Hint] = []
        seen: set[str] = set()
        offers = getattr(self.screen, "offers", None)  # AppScreen: what applies now
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            if offers is not None and not offers(binding.action.partition("(")[0]):
                continue
            seen.add(binding.action)
            hints.append(Hint(binding.key, app.get_key_display(binding), binding.description,
                              enabled, rank(binding.action, len(hints) + 1)))
        palette_key = app.COMMAND_PALETTE_BINDING
        if app.ENABLE_COMMAND_PALETTE and palette_key in active:
            _node, binding, enabled, _tooltip = active[palette_key]
            hints.append(Hint(palette_key, app.get_key_display(binding), binding.description,
                              enabled, PALETTE_RANK, palette=True))
        return hints

    def _width(self, hints: list[Hint], short: bool) -> int:
        keys = [h for h in hints if not h.palette]
        width = sum(h.width(short) for h in keys) + max(len(keys) - 1, 0)
        return width + sum(h.width(short) + 2 for h in hints if h.palette)  # "▏" and " "

    def fitted(self, width: int) -> tuple[list[Hint], bool]:
        """The hints that fit in ``width`` cells, and whether in their short form: all
        if they fit; else with shortened descriptions; else the least important left
        out first (never one cut in half), so that help and the screen's first keys
        stay."""
        hints = self._hints()
        for short in (False, True):
            if self._width(hints, short) <= width:
                return hints, short
        kept = sorted(hints, key=lambda h: h.rank)
        while kept and self._width(kept, True) > width:
            kept.pop()
        return [h for h in hints if h in kept], True

    def render(self) -> Content:
        hints, short = self.fitted(self.size.width)
        line = Content("")
        spans: list[tuple[int, int, str]] = []
        palette = next((h for h in hints if h.palette), None)
        for hint in hints:
            if hint.palette:
                continue
            start = line.cell_length + (1 if spans else 0)
            line = Content.assemble(line, " " if spans else "",
                                    self._hint(hint.display, hint.said(short), hint.enabled))
            spans.append((start, line.cell_length, hint.key))
        if palette is not None:
            drawn = Content.assemble(
                ("▏", self.get_visual_style("key-bar--separator")),
                self._hint(palette.display, palette.said(short), palette.enabled), " ")
            room = self.size.width - drawn.cell_length
            spans.append((room + 1, room + drawn.cell_length, palette.key))
            line = Content.assemble(line, " " * max(room - line.cell_length, 0), drawn)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
