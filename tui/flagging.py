"""Reporting something to the moderators: a reason picked, then a note written; the
same steps for a submission, a guide entry and any comment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from client.models import FlagReason
    from tui.screens.base import AppScreen

REASONS: list[tuple[str, str]] = [
    ("personal_data", "Personal data (e.g. patient details)"),
    ("offensive", "Offensive"), ("spam", "Spam"), ("off_topic", "Off topic"),
    ("other", "Something else"),
]
Send = Callable[["FlagReason", str], Awaitable[object]]


def flag(screen: AppScreen[Any], what: str, send: Send) -> None:
    """Ask why (``REASONS``) and for a note, then ``send(reason, note)``; thanks once it
    is sent. ``what``: "submission", "comment by Ada" (plain text, never markup)."""
    def reason_chosen(reason: str | None) -> None:
        if reason is None:
            return
        chosen: FlagReason = reason  # type: ignore[assignment]

        async def send_note(note: str) -> object:
            return await send(chosen, note)

        def sent(note: str | None) -> None:
            if note is not None:
                screen.notify(f"Thank you: the {what} is reported to the moderators.",
                              markup=False)

        screen.challenge_app.write(f"Why flag this {what}? (a note for the moderators)",
                                   send_note, sent)

    screen.challenge_app.pick(f"Flag this {what}", REASONS, reason_chosen)
