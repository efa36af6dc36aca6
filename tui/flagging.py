"""Reporting something to the moderators: a reason picked, then a note written; the
same steps for a submission, a guide entry and any comment.

The wire does not say whether the person reported an item already (the server refuses
a second report, 409); the session remembers what it has seen reported (sent here, or
refused as reported already), so a second report says so at once, before any note is
written. ``target`` names the item (``("submission", 12)``, ``("entry_comment", 3)``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from client.errors import Conflict

if TYPE_CHECKING:
    from client.models import FlagReason
    from tui.screens.base import AppScreen

REASONS: list[tuple[str, str]] = [
    ("personal_data", "Personal data (e.g. patient details)"),
    ("offensive", "Offensive"), ("spam", "Spam"), ("off_topic", "Off topic"),
    ("other", "Something else"),
]
Send = Callable[["FlagReason", str], Awaitable[object]]
Target = tuple[str, int]


def already(what: str) -> str:
    return f"You have already reported this {what}: the moderators have it."


def flag(screen: AppScreen[Any], what: str, send: Send, *,
         target: Target | None = None) -> None:
    """Ask why (``REASONS``) and for a note, then ``send(reason, note)``; thanks once it
    is sent. ``what``: "submission", "comment by Ada" (plain text, never markup);
    ``target``: the item, remembered as reported (None: not remembered)."""
    reported = screen.session.reported
    if target is not None and target in reported:
        screen.notify(already(what), severity="warning", markup=False)
        return

    def reason_chosen(reason: str | None) -> None:
        if reason is None:
            return
        chosen: FlagReason = reason  # type: ignore[assignment]

        async def send_note(note: str) -> object:
            try:
                sent = await send(chosen, note)
            except Conflict as refused:  # 409: reported already, or one's own item
                if target is not None and "already reported" in refused.message:
                    reported.add(target)
                raise
            if target is not None:
                reported.add(target)
            return sent

        def sent(note: str | None) -> None:
            if note is not None:
                screen.notify(f"Thank you: the {what} is reported to the moderators.",
                              markup=False)

        screen.challenge_app.write(f"Why flag this {what}? (a note for the moderators)",
                                   send_note, sent)

    screen.challenge_app.pick(f"Flag this {what}", REASONS, reason_chosen)
