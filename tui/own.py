"""Editing and withdrawing your own submission: from its page and from a list row.

Each says why not (not yours, the phase, its status) instead of opening what the
server would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from client.errors import ChallengeError
from tui import clock
from tui.phases import refusal
from tui.session import describe

if TYPE_CHECKING:
    from client.models import Challenge, Submission
    from tui.screens.base import AppScreen

Done = Callable[["Submission"], object]
WITHDRAWABLE = frozenset({"pending", "published", "hidden"})
EDITABLE = frozenset({"pending", "published"})  # as the server's PATCH allows


def why_not_edit(item: Submission, challenge: Challenge | None) -> str | None:
    if not item.is_mine:
        return "Not yours: only its author can edit a submission."
    if item.status not in EDITABLE:
        return f"A {item.status} submission cannot be edited."
    if challenge is None:
        return "Open it from its challenge to edit it."
    return refusal(challenge, "submissions", clock.now())


def why_not_withdraw(item: Submission) -> str | None:
    if not item.is_mine:
        return "Not yours: only its author can withdraw a submission."
    if item.status not in WITHDRAWABLE:
        return f"A {item.status} submission cannot be withdrawn."
    return None


def edit(screen: AppScreen[Any], challenge: Challenge | None, item: Submission,
         done: Done) -> None:
    """The composer on the submission as the server has it now (a list row has no body,
    and the page's copy may be older)."""
    if (why := why_not_edit(item, challenge)) is not None:
        screen.notify(why, severity="warning", markup=False)
        return
    assert challenge is not None

    async def fetch_then_edit() -> None:
        full = await screen.challenge_app.api(lambda: screen.client.get_submission(item.id))
        def saved(updated: Submission | None) -> None:
            if updated is not None:
                done(updated)

        if full is not None:
            screen.challenge_app.open_composer(challenge, full.kind, editing=full, done=saved)

    screen.run_worker(fetch_then_edit(), group="own", exclusive=True)


def withdraw(screen: AppScreen[Any], item: Submission, done: Done) -> None:
    """Asks first; ``done`` gets the submission as withdrawn."""
    from tui.widgets.confirm import ConfirmScreen

    if (why := why_not_withdraw(item)) is not None:
        screen.notify(why, severity="warning", markup=False)
        return

    async def send() -> None:
        try:
            await screen.client.withdraw_submission(item.id)
        except ChallengeError as error:
            screen.notify(describe(error), severity="error", markup=False)
            return
        screen.notify("Withdrawn.")
        done(item.model_copy(update={"status": "withdrawn",
                                     "status_reason": "Withdrawn by its author."}))

    def confirmed(yes: bool | None) -> None:
        if yes:
            screen.run_worker(send(), group="own", exclusive=True)

    screen.app.push_screen(ConfirmScreen("Withdraw this submission? Others will no longer "
                                         "see it."), confirmed)
