"""Connect and sign in, or register: the first screen without a kept session."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
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
    ]

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
            yield Input(self.server, placeholder="Server, e.g. https://challenge.example.org",
                        id="server")
            yield Input(placeholder="Email", id="email")
            yield Input(placeholder="Display name", id="name", classes="hidden")
            yield Input(placeholder="Password", password=True, id="password")
            yield Button("Sign in", variant="primary", id="submit")
            yield Static(self.message, id="message", classes="error", markup=False)
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#email" if self.server else "#server", Input).focus()

    def action_toggle_register(self) -> None:
        self.registering = not self.registering
        self.query_one("#name").set_class(not self.registering, "hidden")
        self.query_one("#submit", Button).label = "Register" if self.registering else "Sign in"
        self.query_one(".title", Static).update(
            "Create an account" if self.registering else "Sign in to Change Challenge")

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        order = ["server", "email", *(["name"] if self.registering else []), "password"]
        current = event.input.id or ""
        if current in order[:-1]:
            self.query_one(f"#{order[order.index(current) + 1]}", Input).focus()
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
