"""Pledging to test a guide entry: a short note (optional), sent from a small modal that
closes only once the server took it; a refusal is said at the note, the note kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from client.errors import ApiError, ChallengeError
from client.guide_models import Pledge
from tui.session import describe
from tui.text import one_line
from tui.widgets.form_rows import ErrorLine

MAX_NOTE = 280  # as the API's PledgeIn
SendPledge = Callable[[str], Awaitable[Pledge]]


class PledgeForm(ModalScreen[Pledge | None]):
    """Dismissed with the pledge as the server keeps it, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Pledge", id="pledge.send"),
        Binding("escape", "cancel", "Cancel", id="pledge.cancel"),
    ]
    DEFAULT_CSS = """
    PledgeForm { align: center middle; }
    PledgeForm > Vertical { width: 72; max-width: 100%; height: auto;
                            border: round $primary; padding: 0 1; }
    PledgeForm ErrorLine { padding: 0; }
    """

    def __init__(self, title: str, send: SendPledge, note: str = "") -> None:
        """``title``: the entry's (untrusted text); ``note``: the pledge's so far."""
        super().__init__()
        self.entry_title = title
        self.send = send
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble("Pledge to test ", one_line(self.entry_title,
                                                                      "bold")))
            yield Static(Content("A short note for the others, if you like: who will try "
                                 "it, and where."), classes="muted")
            note = Input(self.note, max_length=MAX_NOTE, id="note", compact=True,
                         select_on_focus=False,
                         placeholder="e.g. my ward will try this from next month")
            yield note
            yield ErrorLine(note, id="note-error")
            yield Static(Content("enter or ctrl+s pledge · esc cancel"), classes="muted")
            yield Static("", id="message", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self) -> None:
        self.action_send()

    @work(exclusive=True)
    async def action_send(self) -> None:
        error_line = self.query_one(ErrorLine)
        message = self.query_one("#message", Static)
        error_line.say("")
        message.update("Sending…")
        try:
            pledge = await self.send(self.query_one(Input).value)
        except ApiError as error:
            at_note = error.field_errors().get("note")
            if at_note is not None:
                error_line.say(error.message)
                message.update("")
            else:
                message.update(describe(error))
            return
        except ChallengeError as error:
            message.update(describe(error))
            return
        self.dismiss(pledge)

    def action_cancel(self) -> None:
        self.dismiss(None)
