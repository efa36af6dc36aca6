"""A screen kept once built and shown again (``tui.navigation`` keeps the entry screen
and the history): opening it again costs a frame, not building its widgets anew.

Kept for the sign-in that built it only (the same session and the same signed-in
user object: after a sign-out, any sign-in, even by the same person, gets a new
screen: ``reusable``). Left (popped, not merely covered), it forgets what it showed
(``forget``: its requests cancelled, its lines emptied); shown again, it is aimed at
the next entry first (``reopen`` in each screen), so nothing of one entry or person
shows in another.

Shown again, its styles are applied anew only if the app's stylesheet was parsed again
(a theme changed, a widget's CSS first loaded) or the app's focus changed since they
were last applied: otherwise they are as they were, and restyling every widget on the
key's path would only cost time.
"""

from __future__ import annotations

from typing import TypeVar

from textual import events

from tui.screens.base import AppScreen

R = TypeVar("R")


class KeptScreen(AppScreen[R]):
    def __init__(self) -> None:
        super().__init__()
        # Whose screen this is: a kept screen is shown again to this sign-in only.
        self.signed_in = self._sign_in()
        self._styled: tuple[object, bool] | None = None  # (rules, app focus) styled with

    def left(self) -> bool:
        """Whether this screen was left (it is on no stack: not merely covered)."""
        return self not in self.app.screen_stack

    def _sign_in(self) -> tuple[object, object]:
        session = self.challenge_app.session
        return session, session.user if session is not None else None

    def reusable(self) -> bool:
        """Whether this screen, left, may be shown again: to the same sign-in only."""
        session, user = self._sign_in()
        return (self.is_running and self.left() and user is not None
                and session is self.signed_in[0] and user is self.signed_in[1])

    def forget(self) -> None:
        """Nothing of what was shown stays: no request for it runs on, none of it is
        drawn (the screen was left, or is about to show another)."""

    def on_screen_suspend(self) -> None:
        if self.left() and self.app.is_screen_installed(self):
            self.forget()  # kept (tui.navigation), not merely covered: emptied

    # --- one frame when shown again ---------------------------------------------------

    def _on_timer_update(self) -> None:
        # Shown again with new lines, the screen is due both a layout (drawn) and a
        # repaint of all of it (Textual's resume asks for one: the terminal shows the
        # screen before): Textual draws the whole screen twice, two frames for one key.
        # The repaint folded into the layout's drawing, it is drawn once.
        if self._layout_required and self._repaint_required and self.is_current:
            self._dirty_widgets.add(self)  # the layout then draws all of the screen
            self._repaint_required = False
        super()._on_timer_update()

    # --- styles applied again only when they may have changed -------------------------

    def _styles_key(self) -> tuple[object, bool]:
        return (self.app.stylesheet.rules, self.app.app_focus)

    def update_node_styles(self, animate: bool = True) -> None:
        super().update_node_styles(animate)  # this screen and every widget in it
        self._styled = self._styles_key()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler (a subclass's first), which restyles every
        # widget when asked to.
        styled = self._styled
        if event.refresh_styles and styled is not None:
            rules, focus = self._styles_key()
            if rules is styled[0] and focus == styled[1]:
                event.refresh_styles = False
