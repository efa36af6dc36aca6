"""What every signed-in screen shares: the app, its session and its client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual.screen import Screen

from tui.views import ADMIN_ACTIONS

if TYPE_CHECKING:
    from client.api import ChallengeClient
    from client.models import Challenge
    from tui.app import ChallengeApp
    from tui.phases import Activity
    from tui.session import Session

R = TypeVar("R")


class AppScreen(Screen[R], Generic[R]):
    @property
    def challenge_app(self) -> ChallengeApp:
        """The app, typed: other screens open through it (``tui.navigation``), never by
        importing them."""
        return cast("ChallengeApp", self.app)

    @property
    def session(self) -> Session:
        session = self.challenge_app.session
        assert session is not None, "screens after sign-in only"
        return session

    @property
    def client(self) -> ChallengeClient:
        return self.session.client

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.challenge_app.session
        if action == "moderate":  # not offered (key, palette, help) to participants
            return session is not None and session.is_moderator
        if action in ADMIN_ACTIONS:
            return session is not None and session.role == "admin"
        return True

    def action_inbox(self) -> None:
        """``i``, wherever it is bound: your notifications."""
        self.challenge_app.open_inbox()

    def action_profile(self) -> None:
        """``p`` on the challenges, or the palette anywhere: your staff group."""
        self.challenge_app.open_profile()

    def draft_replaced(self, key: str) -> None:
        """The draft under ``key`` (``tui.draft_values``) was just changed here by the
        sync (another desk's edit merged in): a screen holding it reads it again."""

    def offers(self, action: str) -> bool:
        """Whether the key bar shows the key for ``action`` now (the key still works,
        and says why it does nothing)."""
        return True

    def refused(self, challenge: Challenge | None, activity: Activity) -> bool:
        """True, having said why and when it opens, if the phase does not allow it."""
        from tui import clock
        from tui.phases import refusal

        why = refusal(challenge, activity, clock.now())
        if why is not None:
            self.notify(why, title="Not now", severity="warning", markup=False, timeout=8)
        return why is not None
