"""The bottom line: the keys the screen offers where the focus is, as one line of text.

Textual's ``Footer`` makes a widget per key and builds them all again whenever the
bindings change, which is every focus change; at start-up that was about a tenth of
the time to the first list. This shows the same hints as one line, drawn again (not
rebuilt) when they change. A click on a key presses it, as in the Footer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.content import Content
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


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

    def render(self) -> Content:
        app = self.app
        active = self.screen.active_bindings
        hints: list[tuple[str, Content]] = []
        seen: set[str] = set()
        offers = getattr(self.screen, "offers", None)  # AppScreen: what applies now
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            if offers is not None and not offers(binding.action.partition("(")[0]):
                continue
            seen.add(binding.action)
            hints.append((binding.key, self._hint(app.get_key_display(binding), binding.description,
                                                  enabled)))
        palette = Content("")
        palette_key = app.COMMAND_PALETTE_BINDING
        if app.ENABLE_COMMAND_PALETTE and palette_key in active:
            _node, binding, enabled, _tooltip = active[palette_key]
            palette = Content.assemble(
                ("▏", self.get_visual_style("key-bar--separator")),
                self._hint(app.get_key_display(binding), binding.description, enabled), " ")
        room = self.size.width - palette.cell_length
        line = Content("")
        spans: list[tuple[int, int, str]] = []
        for key, hint in hints:
            start = line.cell_length + (1 if spans else 0)
            if start + hint.cell_length > room:
                break
            line = Content.assemble(line, " " if spans else "", hint)
            spans.append((start, line.cell_length, key))
        if palette.cell_length:
            spans.append((room + 1, room + palette.cell_length, palette_key))
            line = Content.assemble(line, " " * (room - line.cell_length), palette)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
