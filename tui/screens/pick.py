"""A small modal list to pick one value (a theme, a flag reason, a reason template)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.text import one_line


class PickScreen(ModalScreen[str | None]):
    """Dismissed with the chosen value, or None when cancelled."""

    BINDINGS = [
        Binding("escape,h", "cancel", "Cancel", id="pick.cancel"),
        Binding("j", "down", show=False, id="pick.down"),
        Binding("k", "up", show=False, id="pick.up"),
    ]
    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 60; max-width: 100%; height: auto; max-height: 80%;
                            border: round $primary; }
    PickScreen OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield OptionList(*[Option(one_line(label), id=str(i))
                               for i, (_, label) in enumerate(self.options)])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
