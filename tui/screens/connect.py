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
from tui.registering import CLOSED, MailedCode, closed, refuses_code
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
        Binding("escape", "back", "Back to registering", id="connect.back"),
    ]
    # Focused as the screen is composed, before any key can reach it (a focus() in
    # on_mount lands later, after keys already typed): the server field, or the email.
    AUTO_FOCUS = ".first"

    def __init__(self, server: str = "", message: str = "") -> None:
        super().__init__()
        self.server = server
        self.message = message
        self.registering = False
        self.mailed: MailedCode | None = None  # registered, waiting for the mailed code

    @property
    def challenge_app(self) -> ChallengeApp:
        return cast("ChallengeApp", self.app)

    @property
    def fixed_server(self) -> bool:
        return self.challenge_app.kiosk

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static("Sign in to Change Challenge", classes="title", markup=False)
            # Under the title: on a 24-line terminal, below the button would be off screen.
            yield Static(self.message, id="message", classes="error", markup=False)
            # In kiosk mode the server is fixed: the gateway reaches no other.
            yield Input(self.server, placeholder="Server, e.g. https://challenge.example.org",
                        id="server", disabled=self.fixed_server,
                        classes="hidden" if self.fixed_server else
                        "" if self.server else "first")
            yield Input(placeholder="Email", id="email", classes="first" if self.server else "")
            yield Input(placeholder="Display name", id="name", classes="hidden")
            yield Input(placeholder="Password", password=True, id="password")
            yield Input(placeholder="Code from the mail", id="code", classes="hidden")
            yield Button("Sign in", variant="primary", id="submit")
        yield StatusBar()
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The code step has one way out, back to registering; the form has none.
        if action == "back":
            return self.mailed is not None
        if action == "toggle_register":
            return self.mailed is None
        return True

    def action_toggle_register(self) -> None:
        self.registering = not self.registering
        self.show_form()

    def show_form(self) -> None:
        """Sign in, register, or the code step, as the state says; what is typed stays."""
        coding = self.mailed is not None
        for name in ("server", "email", "password"):
            self.query_one(f"#{name}").set_class(coding or (
                name == "server" and self.fixed_server), "hidden")
        self.query_one("#name").set_class(coding or not self.registering, "hidden")
        self.query_one("#code").set_class(not coding, "hidden")
        self.query_one("#submit", Button).label = (
            "Confirm" if coding else "Register" if self.registering else "Sign in")
        self.query_one(".title", Static).update(
            "Confirm your email" if coding else
            "Create an account" if self.registering else "Sign in to Change Challenge")
        self.refresh_bindings()

    @property
    def fields(self) -> list[Input]:
        names = (["code"] if self.mailed else
                 [*([] if self.fixed_server else ["server"]), "email",
                  *(["name"] if self.registering else []), "password"])
        return [self.query_one(f"#{name}", Input) for name in names]

    def code_step(self, mailed: MailedCode) -> None:
        """After the server mailed a code: ask for it. The password leaves the screen."""
        self.mailed = mailed
        self.query_one("#password", Input).value = ""
        code = self.query_one("#code", Input)
        code.value = ""
        self.show_form()
        self.show(mailed.prompt, error=False)
        # In the same step as showing it: keys typed once the field is on screen land in it.
        self.set_focus(code)

    def action_back(self, message: str = "") -> None:
        """From the code step to the register form, email and name as typed."""
        self.mailed = None
        self.registering = True
        self.show_form()
        self.show(message or "Type your password again to be mailed a new code.")
        self.set_focus(self.query_one("#password", Input))

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

    def show(self, message: str, *, error: bool = True) -> None:
        message_line = self.query_one("#message", Static)
        message_line.set_class(error, "error")
        message_line.update(message)

    @work(exclusive=True)
    async def submit(self) -> None:
        """Connect if the server changed, then sign in or register. Keeps what was typed."""
        import asyncio

        from client.models import RegistrationPending
        from tui.session import Session

        app = self.challenge_app
        if self.mailed is not None:
            await self.confirm(self.mailed)
            return
        server = (app.server or "" if self.fixed_server else
                  self.query_one("#server", Input).value.strip().rstrip("/"))
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        name = self.query_one("#name", Input).value.strip()
        if not server.startswith(("http://", "https://")):
            self.show("The server address starts with http:// or https://.")
            return
        if not email or not password or (self.registering and not name):
            self.show("Fill in every field.")
            return
        self.show("Connecting…", error=False)
        pending: RegistrationPending | None = None
        try:
            if app.session is None or app.session.server != server:
                app.session = await asyncio.to_thread(Session.open, app.config, server,
                                                     app.transport)
                app.server = server
                app.update_status(server=server, store=app.session.store.store.kind)
            if self.registering:
                registered = await app.session.register(email, name, password)
                if isinstance(registered, RegistrationPending):
                    pending = registered
            else:
                await app.session.sign_in(email, password)
        except ChallengeError as error:
            self.show(CLOSED if closed(error) else describe(error))
            return
        if pending is not None:
            self.code_step(MailedCode(pending))
            return
        app.signed_in()

    async def confirm(self, mailed: MailedCode) -> None:
        """The code step's Enter: signed in, or what went wrong with the code kept."""
        app = self.challenge_app
        assert app.session is not None  # the session registered
        code = self.query_one("#code", Input).value.strip()
        if not code:
            self.show("Enter the code from the mail.")
            return
        self.show("Checking the code…", error=False)
        try:
            await app.session.confirm_registration(mailed.pending, code)
        except ChallengeError as error:
            if refuses_code(error):
                message, gone = mailed.refused()
                if gone:
                    self.action_back(message)
                    return
                self.show(message)
            elif closed(error):
                self.action_back(CLOSED)
            else:
                self.show(describe(error))
            return
        app.signed_in()
