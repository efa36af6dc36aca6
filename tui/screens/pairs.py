"""Pairwise prioritisation: two submissions side by side, pick the one to test first.

One request per comparison: the answer to a choice carries the next pair, shown at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static

from client.errors import ChallengeError
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import one_line, plural, safe
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from client.models import Submission
    from client.pairs_models import Pair, PairChoiceValue

BODY_START = 600  # characters of each body shown: enough to judge, short enough for 80x24
REASON_MAX = 500  # the longest reason the server keeps (``PairChoice.reason``)


def side(item: Submission) -> Content:
    """One submission of the pair: title, themes, the start of its body (all untrusted)."""
    parts = [one_line(item.title, "bold")]
    if item.themes:
        parts.append(Content.styled("Themes: ", "dim") + one_line(", ".join(item.themes)))
    body = safe(item.body[:BODY_START])
    if len(item.body) > BODY_START:
        body = body + Content("…")
    parts.append(Content(""))
    parts.append(body)
    return Content("\n").join(parts)


class PairsScreen(AppScreen[None]):
    DEFAULT_CSS = """
    PairsScreen #pairs-heading { height: auto; padding: 0 1; }
    PairsScreen #pair { height: 1fr; }
    PairsScreen .side { width: 1fr; border: round $primary; padding: 0 1; }
    PairsScreen #pairs-done { height: auto; padding: 1 2; }
    PairsScreen #pairs-reason { display: none; }
    PairsScreen #pairs-reason.open { display: block; }
    """
    BINDINGS = [
        Binding("left,h", "choose('left')", "Left first", id="pairs.left",
                tooltip="The left one should be tested first"),
        Binding("right,l", "choose('right')", "Right first", id="pairs.right",
                tooltip="The right one should be tested first"),
        Binding("down,j", "choose('skip')", "Can't decide", id="pairs.skip"),
        # The same with a reason: a line opens below the pair (enter sends it, esc or
        # nothing typed sends without), so j alone stays one key per comparison.
        Binding("J,shift+down", "say_why", "Say why", id="pairs.skip_reason",
                tooltip="Can't decide, and say why (optional)"),
        Binding("escape", "back", "Back", id="pairs.back"),
        # Only while the reason's line is open (check_action), in place of back.
        Binding("escape", "no_reason", "Send no reason", id="pairs.no_reason"),
    ]

    def __init__(self, slug: str, kind: str) -> None:
        super().__init__()
        self.slug = slug
        self.kind = kind
        self.pair: Pair | None = None
        self.made = 0  # comparisons made this visit
        self.sending = False  # a choice on its way: keys wait for the next pair

    def compose(self) -> ComposeResult:
        yield Static("", id="pairs-heading")
        with Horizontal(id="pair"):
            with VerticalScroll(classes="side"):
                yield Static("", id="pairs-left", markup=False)
            with VerticalScroll(classes="side"):
                yield Static("", id="pairs-right", markup=False)
        yield Static("Loading a pair…", id="pairs-done", markup=False)
        yield Input(placeholder="Why can't you decide? enter sends; esc sends no reason",
                    max_length=REASON_MAX, id="pairs-reason", disabled=True)
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.show(None, loading=True)
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        try:
            pair = await self.client.next_pair(self.slug, self.kind)  # type: ignore[arg-type]
        except ChallengeError as error:
            self.notify(describe(error), title="No pairs", severity="error", markup=False)
            self.query_one("#pairs-done", Static).update("No pair to compare now.")
            return
        self.show(pair)

    def show(self, pair: Pair | None, *, loading: bool = False) -> None:
        self.pair = pair
        heading = Content.assemble(
            Content.styled("Which should be tested first?", "bold"),
            Content.styled(f"  {plural(self.made, 'comparison')} made", "dim"))
        self.query_one("#pairs-heading", Static).update(heading)
        self.query_one("#pair").display = pair is not None
        done = self.query_one("#pairs-done", Static)
        done.display = pair is None
        if pair is not None:
            self.query_one("#pairs-left", Static).update(side(pair.left))
            self.query_one("#pairs-right", Static).update(side(pair.right))
        elif not loading:
            done.update("Nothing left to compare here: you have seen every pair. "
                        "Thank you! Press escape to go back.")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = self.reason.has_class("open")
        if action in ("choose", "say_why"):
            # While a reason is typed, its keys are letters and arrows of the line.
            return self.pair is not None and not typing
        if action in ("back", "no_reason"):
            return typing == (action == "no_reason")
        return super().check_action(action, parameters)

    @property
    def reason(self) -> Input:
        return self.query_one("#pairs-reason", Input)

    def action_choose(self, choice: PairChoiceValue) -> None:
        self.send(choice)

    def action_say_why(self) -> None:
        if self.pair is None or self.sending:
            return
        reason = self.reason
        reason.disabled = False  # disabled while hidden, so tab never lands in it
        reason.add_class("open")
        reason.focus()
        self.refresh_bindings()

    def close_reason(self) -> None:
        reason = self.reason
        reason.value = ""
        reason.remove_class("open")
        reason.disabled = True
        self.set_focus(None)
        self.refresh_bindings()

    @on(Input.Submitted, "#pairs-reason")
    def reason_given(self, event: Input.Submitted) -> None:
        self.send("skip", event.value.strip() or None)

    @work(group="choose")
    async def send(self, choice: PairChoiceValue, reason: str | None = None) -> None:
        if self.pair is None or self.sending:
            return
        self.sending = True
        try:
            result = await self.client.compare(self.slug, self.pair.pair, choice,
                                               reason=reason)
        except ChallengeError as error:
            # The pair stays on screen, and the reason typed in its line: send again.
            self.notify(describe(error), title="Not recorded", severity="error",
                        markup=False)
            return
        finally:
            self.sending = False
        if self.reason.has_class("open"):
            self.close_reason()
        self.made += 1
        self.show(result.next)

    def action_no_reason(self) -> None:
        """esc on the reason's line: can't decide, without a reason."""
        self.send("skip")

    def action_back(self) -> None:
        self.app.pop_screen()
