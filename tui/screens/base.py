"""What every signed-in screen shares: the app, its session and its client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from client.api import ChallengeClient
    from tui.app import ChallengeApp
    from tui.session import Session

R = TypeVar("R")


class AppScreen(Screen[R], Generic[R]):
    @property
    def challenge_app(self) -> ChallengeApp:
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
        if action == "moderate":  # not offered (key, palette, help) to participants
            session = self.challenge_app.session
            return session is not None and session.is_moderator
        return True
