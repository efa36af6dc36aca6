"""Connect and sign in, or register: the first screen without a kept session."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from client.errors import ChallengeError
from tui.session import describe
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.app import ChallengeApp


class ConnectScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+r", "toggle_register", "Register / sign in", id="connect.toggle"),
        # Priority: handled as the app reads each key, before it forwards the next to the
        # focused field. Otherwise a password manager's burst ("email, Tab, password")
        # queues the password on the Email field before its Tab has moved the focus.
        Binding("tab", "step(1)", show=False, priority=True),
        Binding("shift+tab", "step(-1)", show=False, priority=True),
        Binding("enter", "enter", show=False, priority=True),
    ]
    # Focused as the screen is composed, before any key can reach it (a focus() in
    # on_mount lands later, after keys already typed): the server field, or the email.
    AUTO_FOCUS = ".first"

    def __init__(self, server: str = "", message: str = "") -> None:
        super().__init__()
        self.server = server
        self.message = message
        self.registering = False

    @property
    def challenge_app(self) -> ChallengeApp:
        return cast("ChallengeApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static("Sign in to Change Challenge", classes="title", markup=False)
            # Under the title: on a 24-line terminal, below the button would be off screen.
            yield Static(self.message, id="message", classes="error", markup=False)
            yield Input(self.server, placeholder="Server, e.g. https://challenge.example.org",
                        id="server", classes="" if self.server else "first")
            yield Input(placeholder="Email", id="email", classes="first" if self.server else "")
            yield Input(placeholder="Display name", id="name", classes="hidden")
            yield Input(placeholder="Password", password=True, id="password")
            yield Button("Sign in", variant="primary", id="submit")
        yield StatusBar()
        yield KeyBar()

    def action_toggle_register(self) -> None:
        self.registering = not self.registering
        self.query_one("#name").set_class(not self.registering, "hidden")
        self.query_one("#submit", Button).label = "Register" if self.registering else "Sign in"
        self.query_one(".title", Static).update(
            "Create an account" if self.registering else "Sign in to Change Challenge")

    @property
    def fields(self) -> list[Input]:
        names = ["server", "email", *(["name"] if self.registering else []), "password"]
        return [self.query_one(f"#{name}", Input) for name in names]

    def action_step(self, step: int) -> None:
        """Tab and shift+tab, at once (see BINDINGS): through the fields and the button."""
        chain: list[Widget] = [*self.fields, self.query_one("#submit", Button)]
        focused = self.focused
        index = chain.index(focused) if focused in chain else -step
        self.set_focus(chain[(index + step) % len(chain)])

    def action_enter(self) -> None:
        """Enter: the next field, or send from the last one and the button."""
        fields = self.fields
        if self.focused in fields[:-1]:
            self.set_focus(fields[fields.index(self.focused) + 1])
        else:
            self.submit()

    @on(Button.Pressed, "#submit")
    def pressed(self) -> None:
        self.submit()

    def show(self, message: str) -> None:
        self.query_one("#message", Static).update(message)

    @work(exclusive=True)
    async def submit(self) -> None:
        """Connect if the server changed, then sign in or register. Keeps what was typed."""
        import asyncio

        from tui.session import Session

        app = self.challenge_app
        server = self.query_one("#server", Input).value.strip().rstrip("/")
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        name = self.query_one("#name", Input).value.strip()
        if not server.startswith(("http://", "https://")):
            self.show("The server address starts with http:// or https://.")
            return
        if not email or not password or (self.registering and not name):
            self.show("Fill in every field.")
            return
        self.show("Connecting…")
        try:
            if app.session is None or app.session.server != server:
                app.session = await asyncio.to_thread(Session.open, app.config, server,
                                                     app.transport)
                app.server = server
                app.update_status(server=server, store=app.session.store.store.kind)
            if self.registering:
                await app.session.register(email, name, password)
            else:
                await app.session.sign_in(email, password)
        except ChallengeError as error:
            self.show(describe(error))
            return
        app.signed_in()
