"""Pledging to test a guide entry, changing the note, withdrawing (asked first): the
steps, as ``tui.own`` has those of editing and withdrawing a submission."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from client.errors import ChallengeError
from tui.session import describe

if TYPE_CHECKING:
    from client.guide_models import GuideEntry, Pledge
    from tui.screens.base import AppScreen


def pledge(screen: AppScreen[Any], entry: GuideEntry, done: Callable[[], object]) -> None:
    """Pledge (a short note, optional); pledged already, change the note or withdraw.
    ``done`` once the server has taken either. The caller checks the phase first."""
    from tui.widgets.pledge_form import PledgeForm

    async def send(note: str) -> Pledge:
        return await screen.client.pledge_guide_entry(entry.id, note)

    def pledged(made: Pledge | None) -> None:
        if made is not None:
            screen.notify("Pledged: thank you for testing it.", markup=False)
            done()

    def pledge_form() -> None:
        note = entry.my_pledge.note if entry.my_pledge else ""
        screen.app.push_screen(PledgeForm(entry.title, send, note), pledged)

    if entry.my_pledge is None:
        pledge_form()
        return

    def chosen(what: str | None) -> None:
        if what == "note":
            pledge_form()
        elif what == "withdraw":
            withdraw(screen, entry, done)

    screen.challenge_app.pick("You pledged to test this", [
        ("note", "Change my note"), ("withdraw", "Withdraw my pledge")], chosen)


def withdraw(screen: AppScreen[Any], entry: GuideEntry, done: Callable[[], object]) -> None:
    """Asks first; ``done`` once the pledge is gone."""
    from tui.widgets.confirm import ConfirmScreen

    async def send() -> None:
        try:
            await screen.client.withdraw_guide_pledge(entry.id)
        except ChallengeError as error:
            screen.notify(describe(error), title="Pledge not withdrawn", severity="error",
                          markup=False)
            return
        screen.notify("Your pledge is withdrawn.", markup=False)
        done()

    def confirmed(yes: bool | None) -> None:
        if yes:
            screen.run_worker(send(), group="pledge", exclusive=True)

    screen.app.push_screen(ConfirmScreen("Withdraw your pledge to test this entry? "
                                         "Others will no longer see it."), confirmed)
