"""Modals for a short piece of writing (a comment, a reply, a flag note) and for one
line (a number, a name), where enter sends.

Each closes only when sending succeeded; a refusal is shown in it and the text stays.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from client.errors import ChallengeError
from tui.session import describe

Send = Callable[[str], Awaitable[object]]


class WriteScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="write.send"),
        Binding("escape", "cancel", "Cancel", id="write.cancel"),
    ]
    DEFAULT_CSS = """
    WriteScreen { align: center middle; }
    WriteScreen > Vertical { width: 80; max-width: 100%; height: auto; max-height: 90%;
                             border: round $primary; padding: 0 1; }
    WriteScreen TextArea { height: 10; }
    """

    def __init__(self, title: str, send: Send, text: str = "",
                 hint: str = "ctrl+s send · esc cancel") -> None:
        super().__init__()
        self.title_text = title
        self.send = send
        self.initial = text
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield TextArea(self.initial, id="text", soft_wrap=True)
            yield Static(self.hint, classes="muted", markup=False)
            yield Static("", id="message", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @work(exclusive=True)
    async def action_send(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.query_one("#message", Static).update("Write something first.")
            return
        self.query_one("#message", Static).update("Sending…")
        try:
            await self.send(text)
        except ChallengeError as error:
            self.query_one("#message", Static).update(describe(error))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        from tui.widgets.confirm import ConfirmScreen

        if not self.query_one(TextArea).text.strip():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard what you wrote?"), answered)


class LineScreen(ModalScreen[str | None]):
    """One line: enter sends it, escape cancels (what was typed is then dropped: a line
    is quick to type again)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="line.cancel")]
    DEFAULT_CSS = """
    LineScreen { align: center middle; }
    LineScreen > Vertical { width: 64; max-width: 100%; height: auto;
                            border: round $primary; padding: 0 1; }
    LineScreen #message { height: auto; }
    """

    def __init__(self, title: str, send: Send, *, placeholder: str = "",
                 hint: str = "enter sends · esc cancels") -> None:
        super().__init__()
        self.title_text = title
        self.send = send
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield Input(placeholder=self.placeholder, id="line")
            yield Static(self.hint, classes="muted", markup=False)
            yield Static("", id="message", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#message").display = False
        self.query_one(Input).focus()

    def say(self, text: str) -> None:
        message = self.query_one("#message", Static)
        message.update(text)
        message.display = bool(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    @work(exclusive=True)
    async def submit(self, text: str) -> None:
        if not text.strip():
            self.say("Type something first.")
            return
        self.say("Sending…")
        try:
            await self.send(text)
        except ChallengeError as error:
            self.say(describe(error))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
