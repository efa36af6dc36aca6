"""Your profile: the staff group you declare (or not), for the rankings that weigh
support across staff groups. One of a fixed list, or "Prefer not to say"; enter saves
at once, a refusal is shown here and the list stays where it was."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from client.errors import ChallengeError
from client.ranking import MIN_GROUP_SIZE, STAFF_GROUPS
from tui.session import describe
from tui.text import one_line

if TYPE_CHECKING:
    from client.models import User
    from tui.app import ChallengeApp

NOT_SAID = "Prefer not to say"
WHY = (f"Optional, and yours to change or clear at any time. Rankings by support across "
       f"staff groups use it; a group's figures are shown only when {MIN_GROUP_SIZE} or "
       f"more people of that group voted, so nobody is singled out.")


def choices() -> list[str | None]:
    """The groups one may declare, then None: "Prefer not to say"."""
    return [*STAFF_GROUPS, None]


class ProfileScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="profile.close"),
        Binding("j", "down", show=False, id="profile.down"),
        Binding("k", "up", show=False, id="profile.up"),
    ]
    DEFAULT_CSS = """
    ProfileScreen { align: center middle; }
    ProfileScreen > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%;
                               border: round $primary; padding: 0 1; }
    ProfileScreen OptionList { height: auto; max-height: 12; margin: 1 0 0 0; }
    ProfileScreen #profile-message { height: auto; }
    ProfileScreen #profile-message.error { color: $error; }
    ProfileScreen #profile-message.saved { color: $success; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.groups = choices()

    @property
    def user(self) -> User | None:
        session = cast("ChallengeApp", self.app).session
        return session.user if session is not None else None

    def compose(self) -> ComposeResult:
        user = self.user
        with Vertical():
            yield Static(Content.styled("Your profile", "bold"))
            if user is not None:
                yield Static(Content.assemble("Signed in as ", one_line(user.display_name, "bold"),
                                              Content.styled(" · ", "dim"), one_line(user.email)),
                             id="profile-who")
            yield Static(Content.assemble(Content.styled("Staff group. ", "bold"), WHY),
                         id="profile-why")
            yield OptionList(*self.options(), id="profile-groups")
            yield Static("", id="profile-message", markup=False)
            yield Static(Content.styled("enter save · esc close", "dim"))

    def current(self) -> str | None:
        user = self.user
        return user.staff_group if user is not None else None

    def options(self) -> list[Option]:
        """One line per choice; the one saved now marked (a group the list no longer
        has is still shown as saved: it is not lost by opening this)."""
        now = self.current()
        shown = list(self.groups)
        if now is not None and now not in shown:
            shown.insert(0, now)
            self.groups = shown
        return [Option(Content.assemble("● " if group == now else "  ",
                                        one_line(group or NOT_SAID)), id=f"group-{i}")
                for i, group in enumerate(shown)]

    def on_mount(self) -> None:
        groups = self.query_one(OptionList)
        groups.highlighted = self.groups.index(self.current())
        groups.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.save(self.groups[event.option_index])

    @work(exclusive=True)
    async def save(self, group: str | None) -> None:
        app = cast("ChallengeApp", self.app)
        if app.session is None:
            return
        self.say("Saving…")
        try:
            user = await app.session.client.update_me(staff_group=group)
        except ChallengeError as error:
            self.say(f"Not saved: {describe(error)}", "error")
            return
        app.session.user = user
        app.update_status(user=user)
        self.refresh_marks()
        self.say(f"Saved: {user.staff_group}." if user.staff_group
                 else "Saved: no staff group (prefer not to say).", "saved")

    def say(self, text: str, kind: str = "") -> None:
        message = self.query_one("#profile-message", Static)
        message.update(text)  # markup=False: the server's words stay words
        message.set_classes(kind)

    def refresh_marks(self) -> None:
        groups = self.query_one(OptionList)
        kept = groups.highlighted
        groups.clear_options()
        groups.add_options(self.options())
        groups.highlighted = kept

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)
