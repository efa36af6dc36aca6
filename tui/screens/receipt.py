"""Check your ballot is in a challenge's published log: your receipt fetched, the log
and its manifest downloaded and checked as ``change-challenge verify --receipt`` checks
them (``client.ballots_api``), with progress, then what matched or exactly what did not.
Before a log is published, it says when the next run of voting ends (the server's 404)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from client.errors import ChallengeError, NotFound
from client.verify_log import Mismatch
from tui import clock
from tui.session import describe
from tui.text import local_times, one_line, plural

if TYPE_CHECKING:
    from client.ballot_models import BallotReceipt
    from client.verify_log import Verified
    from tui.app import ChallengeApp

NOT_PUBLISHED = "/problems/ballots-not-published"


def matched(receipt: BallotReceipt, verified: Verified) -> str:
    """What a check that passed found, in words."""
    kinds = verified.receipt_kinds or {}
    mine = " and ".join(plural(n, what) for what, n in (
        ("vote", kinds.get("vote", 0)), ("comparison", kinds.get("pair", 0))) if n)
    found = (f"Your {mine} {'is' if receipt.lines == 1 else 'are'} in the published log"
             if receipt.lines else
             "The published log holds no vote of yours, as your receipt says")
    return (f"{found} (pseudonym {receipt.voter}).\n"
            f"The log's {plural(verified.lines, 'line')} chain up to head "
            f"{verified.head[:16]}…, and the top, pairwise and bridging rankings of "
            f"{plural(verified.ranked, 'submission')} recompute from them exactly.")


class ReceiptScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="receipt.close"),
        Binding("r", "check", "Check again", id="receipt.again"),
    ]
    DEFAULT_CSS = """
    ReceiptScreen { align: center middle; }
    ReceiptScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
                               border: round $primary; padding: 0 1; }
    ReceiptScreen ProgressBar { margin: 1 0 0 0; }
    ReceiptScreen #receipt-result { height: auto; margin: 1 0 0 0; }
    ReceiptScreen #receipt-result.passed { color: $success; }
    ReceiptScreen #receipt-result.failed { color: $error; }
    """

    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug = slug
        self.outcome = ""  # "passed", "failed", "waiting" (not published), "error"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble(Content.styled("Is my ballot counted?", "bold"),
                                          Content.styled(" · ", "dim"), one_line(self.slug)))
            yield Static("", id="receipt-status", markup=False)
            yield ProgressBar(show_eta=False, id="receipt-progress")
            yield Static("", id="receipt-result", markup=False)
            yield Static(Content.styled("r check again · esc close", "dim"))

    def on_mount(self) -> None:
        self.action_check()

    def status(self, text: str) -> None:
        self.query_one("#receipt-status", Static).update(text)

    def progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        self.status(f"Checking the published log: {done:,} of {total:,} lines")

    def action_check(self) -> None:
        self.show("", "")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.status("Fetching your receipt…")
        self.check()

    @work(exclusive=True, group="receipt")
    async def check(self) -> None:
        session = cast("ChallengeApp", self.app).session
        if session is None:
            return
        try:
            receipt, verified = await session.client.check_my_ballot(self.slug, self.progress)
        except Mismatch as mismatch:
            self.status("The check failed.")
            self.show("failed", "Your ballot could not be confirmed:\n" + str(mismatch))
        except NotFound as error:
            waiting = error.type == NOT_PUBLISHED
            self.status("Not published yet." if waiting else "Not found.")
            self.show("waiting" if waiting else "error",
                      local_times(describe(error), clock.now()))
        except ChallengeError as error:
            self.status("Could not check.")
            self.show("error", describe(error))
        else:
            self.status("Checked.")
            self.show("passed", matched(receipt, verified))

    def show(self, outcome: str, text: str) -> None:
        self.outcome = outcome
        result = self.query_one("#receipt-result", Static)
        result.update(text)  # markup=False: what the server says stays words
        result.set_classes(outcome)
        self.query_one(ProgressBar).display = not outcome  # shown while it runs

    def action_close(self) -> None:
        self.dismiss(None)
