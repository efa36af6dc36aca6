"""Registering where the server confirms addresses by mail: the code step's state and
what the sign-in screen says when registration is refused. No widgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from client.errors import CODE_INVALID, REGISTRATION_CLOSED, ApiError

if TYPE_CHECKING:
    from client.models import RegistrationPending

# What the server allows each registration (README, Registration: "5 tries"): after the
# last wrong one the registration is gone, though the server's answer is the same.
CODE_TRIES = 5

CLOSED = ("No registering here: accounts come from an administrator. Ask one, then sign "
          "in (ctrl+r).")


@dataclass
class MailedCode:
    """A registration waiting for the code mailed to its address. The password is not
    kept: the server holds the registration, and the code completes it."""

    pending: RegistrationPending
    tries: int = 0  # codes the server has refused

    @property
    def prompt(self) -> str:
        return f"We mailed a code to {self.pending.email}. Enter it here."

    def refused(self, now: datetime | None = None) -> tuple[str, bool]:
        """After the server refused a code: what to say, and whether the registration is
        gone (expired or out of tries: the person registers again)."""
        self.tries += 1
        now = now or datetime.now(UTC)
        if now >= self.pending.expires_at:
            return "The code has expired: register again for a new one.", True
        left = CODE_TRIES - self.tries
        if left <= 0:
            return ("That code is wrong, and it was the last try: register again for a "
                    "new one."), True
        # The server says the same for a code that expired early by its clock.
        tries = "1 try" if left == 1 else f"{left} tries"
        return (f"That code is not the one we mailed ({tries} left): check it and try "
                "again, or esc to register again."), False


def refuses_code(error: BaseException) -> bool:
    """Whether ``error`` is the server refusing a code (wrong, used up or expired)."""
    return isinstance(error, ApiError) and error.type == CODE_INVALID


def closed(error: BaseException) -> bool:
    """Whether ``error`` says the server does not take registrations."""
    return isinstance(error, ApiError) and error.type == REGISTRATION_CLOSED
