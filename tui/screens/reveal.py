"""Moderators and admins: a challenge's counts while its phase hides them from everyone.

The one way to see them, so it asks why (required: the reason is kept in the audit
log), says that it is logged and cannot be undone, and asks once more before sending.
The answer is shown here; the moderation log then lists it (``l`` from the queue)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from client.errors import ChallengeError
from tui.session import describe
from tui.text import one_line

if TYPE_CHECKING:
    from client.reveal_models import RevealedCount, RevealedCounts
    from tui.app import ChallengeApp

WARNING = ("Counts are hidden from everyone while this phase runs, moderators and admins "
           "included. Revealing them writes your name, the time and your reason to the "
           "moderation log, which every moderator reads. It cannot be undone.")
TITLE_WIDTH = 30


def count_line(item: RevealedCount) -> Content:
    title = one_line(item.title).plain
    if len(title) > TITLE_WIDTH:
        title = title[:TITLE_WIDTH - 1] + "…"
    return Content.assemble(
        Content.styled(f"#{item.id:<5}", "dim"), Content(title.ljust(TITLE_WIDTH)),
        f" +{item.up} −{item.down} ",
        Content.styled(f"top {item.score:.2f} · pairs {item.wins}–{item.losses} · "
                       f"bridging {item.bridging:.2f}", "dim"))


def revealed(result: RevealedCounts) -> Content:
    head = Content.styled(
        f"Logged as action #{result.action.id}: {len(result.items)} published "
        f"submissions of {result.challenge}, newest first.", "bold")
    if not result.items:
        return head
    return Content("\n").join([head, *(count_line(i) for i in result.items)])


class RevealScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("ctrl+s", "reveal", "Reveal", id="reveal.send"),
        Binding("escape", "close", "Close", id="reveal.close"),
    ]
    DEFAULT_CSS = """
    RevealScreen { align: center middle; }
    RevealScreen > Vertical { width: 80; max-width: 100%; height: auto; max-height: 100%;
                              border: round $error; padding: 0 1; }
    RevealScreen #reveal-warning { color: $warning; margin: 0 0 1 0; }
    RevealScreen #reveal-message { height: auto; color: $error; }
    RevealScreen #reveal-counts { height: auto; max-height: 12; }
    """

    def __init__(self, challenge: str | None) -> None:
        super().__init__()
        self.challenge = challenge or ""
        self.result: RevealedCounts | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.styled("Reveal hidden counts", "bold"))
            yield Static(WARNING, id="reveal-warning", markup=False)
            yield Static("Challenge", markup=False)
            yield Input(self.challenge, placeholder="the challenge's short name", id="challenge")
            yield Static("Why you need to see them (kept in the log; required)", markup=False)
            yield Input(placeholder="e.g. checking a report of vote stuffing", id="reason",
                        max_length=1000)
            yield Static("", id="reveal-message", markup=False)
            with VerticalScroll(id="reveal-counts"):
                yield Static("", id="reveal-result")
            yield Static(Content.styled("enter / ctrl+s reveal · esc close", "dim"))

    def on_mount(self) -> None:
        self.query_one("#reason" if self.challenge else "#challenge", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "challenge":
            self.query_one("#reason", Input).focus()
        else:
            self.action_reveal()

    def say(self, text: str) -> None:
        self.query_one("#reveal-message", Static).update(text)

    def action_reveal(self) -> None:
        from tui.widgets.confirm import ConfirmScreen

        slug = self.query_one("#challenge", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        if not slug:
            self.say("Say which challenge.")
            self.query_one("#challenge", Input).focus()
            return
        if not reason:
            self.say("A reason is required: it is kept in the moderation log.")
            self.query_one("#reason", Input).focus()
            return
        self.say("")

        def answered(yes: bool | None) -> None:
            if yes:
                self.reveal(slug, reason)

        self.app.push_screen(ConfirmScreen(
            f"Reveal the hidden counts of {slug}? Your name, the time and your reason go "
            "into the moderation log, and this cannot be undone."), answered)

    @work(exclusive=True, group="reveal")
    async def reveal(self, slug: str, reason: str) -> None:
        session = cast("ChallengeApp", self.app).session
        if session is None:
            return
        self.say("Asking…")
        try:
            result = await session.client.reveal_counts(slug, reason)
        except ChallengeError as error:
            self.say(f"Not revealed: {describe(error)}")
            return
        self.result = result
        self.say("")
        self.query_one("#reveal-result", Static).update(revealed(result))

    def action_close(self) -> None:
        self.dismiss(None)
