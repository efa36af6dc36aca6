"""The Change Challenge terminal app."""

from __future__ import annotations

import asyncio
import gc
import itertools
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from client.config import ClientConfig
from client.errors import ChallengeError
from tui.live import LiveUpdates
from tui.option_list_guard import guard_option_list_paging
from tui.session import MODERATORS, Session, describe, passing
from tui.widgets.status_bar import StatusBar, StatusInfo

if TYPE_CHECKING:
    import httpx

    from client.models import ChallengeSummary, Page, Phase
    from tui.first_look import Early, FirstLook

T = TypeVar("T")


def warm() -> None:
    """Import what a submission's screen and body need (Markdown, markdown-it, its
    highlighter: 40-100 ms of imports), parse once (markdown-it compiles its rules),
    then keep the new modules out of the collector's full passes, as ``started`` does."""
    from tui.body import prepare
    from tui.screens import submission  # noqa: F401
    from tui.widgets import submission_detail  # noqa: F401

    prepare("*warm*")
    gc.freeze()


class ChallengeApp(LiveUpdates):
    """Browse, read, post and vote; everything from the keyboard. Screens open one
    another through its ``Navigation`` methods; drafts follow the person
    (``DraftSyncing``); what others do shows as it happens (``LiveUpdates``)."""

    TITLE = "Change Challenge"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+o", "sign_out", "Sign out", show=False, id="app.sign_out"),
    ]

    def __init__(self, config: ClientConfig, *, server: str | None = None,
                 sign_in_as: tuple[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 early: Early | None = None) -> None:
        """``early``: ``tui.first_look.prefetch``'s answer for ``config.server``, which
        the command line starts before it imports the app."""
        super().__init__()
        guard_option_list_paging()
        self.transport = transport  # tests hand in an in-process server
        self.early = early
        self.config = config
        self.server = server or config.server
        self.sign_in_as = sign_in_as
        self.session: Session | None = None
        self.status_info = StatusInfo(server=self.server or "")
        self.heap_frozen = False  # see ``started``
        self.early_keys: list[events.Key] | None = []  # see ``on_event``
        self.bad_theme = config.theme if config.theme and (
            config.theme not in self.available_themes) else None
        if config.theme and not self.bad_theme:
            self.theme = config.theme

    def compose(self) -> ComposeResult:
        # What the base screen says while a slow or silent server keeps the first
        # screen waiting (the server's address is text from the config: no markup).
        if self.server:
            yield Static(Content(f"Connecting to {self.server}…"), id="connecting")

    def on_mount(self) -> None:
        if self.bad_theme:
            self.notify(f"Unknown theme {self.bad_theme!r} in the config file; choose one of "
                        f"{', '.join(sorted(self.available_themes))}.", severity="warning",
                        markup=False, timeout=10)
        if self.config.keys:
            self.set_keymap(self.config.keys)
        if self.server:
            self.connect(self.server)
        else:
            self.show_connect()

    # --- the session ----------------------------------------------------------------

    def update_status(self, **changes: Any) -> None:
        """Change what the status bar says, on every screen that has one."""
        for key, value in changes.items():
            setattr(self.status_info, key, value)
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.refresh_text()

    def show_connect(self, message: str = "") -> None:
        from tui.screens.connect import ConnectScreen

        self.push_screen(ConnectScreen(self.server or "", message))
        self.call_after_refresh(self.started)

    async def on_event(self, event: events.Event) -> None:
        # Keys typed before the first screen is up (the sign-in form is pushed once the
        # HTTP stack has loaded, ~0.3 s) would reach the bare base screen and be lost:
        # they are kept, and replayed to that screen when it is up. Priority bindings
        # (ctrl+q) still act at once.
        if (isinstance(event, events.Key) and not event.is_forwarded
                and self.early_keys is not None and len(self.screen_stack) == 1
                and not any(b.priority for b in
                            self._bindings.key_to_bindings.get(event.key, []))):
            self.early_keys.append(events.Key(event.key, event.character))
            return
        await super().on_event(event)

    def started(self) -> None:
        """The first screen is up: the garbage collector back on (``tui.cli`` turns it
        off for start-up, which makes few cycles and many long-lived objects), and what
        start-up made kept out of its full passes.

        Those passes walked every module, style and wire-model validator and held a
        cursor key's repaint for 40-60 ms; frozen, they take a few. Done once, O(1);
        only cycles dropped before now (a few thousand small objects) are never freed.
        """
        early, self.early_keys = self.early_keys, None  # from now on, screens take keys
        if early:
            self.replay(early)
        if not self.first_screen_up:
            self.first_screen_up = True
            self.pull_drafts()
        self.start_live()  # once per sign-in
        if not self.heap_frozen:
            self.heap_frozen = True
            gc.freeze()
            gc.enable()
            self.warm_up()

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """What opening a submission needs, loaded in a thread while the first screen is
        read (``warm``): else the first open holds the keys for its imports."""
        warm()

    @work(exclusive=True, group="session")
    async def connect(self, server: str) -> None:
        """Open a session (keyring probe and httpx in a thread), resume or sign in, then
        browse. With a kept token the challenge is on screen first (``first_look``)."""
        from client.credentials import choose_store

        self.server = server
        self.update_status(server=server)
        look, store = None, None
        early, self.early = self.early, None  # for the first connection only
        if early is not None and server == self.config.server:
            try:
                store, look = await asyncio.wrap_future(early)
            except Exception:  # no first look, then: the usual way reports any error
                store = None
        if store is None:
            store = await asyncio.to_thread(choose_store, self.config)
        self.update_status(store=store.store.kind)
        if look is not None:
            look = self.show_first_look(look)
        if look is not None:
            # Loading the client takes the GIL for ~150 ms: not before the first frame.
            drawn = asyncio.Event()
            self.call_after_refresh(drawn.set)
            await drawn.wait()
        session = await asyncio.to_thread(Session.open, self.config, server, self.transport,
                                          store)
        self.session = session
        for notice in session.notices:
            self.notify(notice, title="Sign-in not kept", severity="warning", timeout=10,
                        markup=False)
        if look is not None and self.leave_first_look(look):
            return
        listing: asyncio.Task[Page[ChallengeSummary]] | None = None
        kept = session.use_kept_token()
        for attempt in itertools.count():
            if kept:
                # The challenges are asked for while the token is checked: start-up waits
                # for one round trip, not two.
                listing = asyncio.create_task(session.client.list_challenges(limit=100))
                listing.add_done_callback(_retrieve)  # it may be dropped, failed, below
            try:
                user = await session.resume()
                if user is None:
                    if listing is not None:
                        listing.cancel()  # asked with a token that no longer works
                        listing = None
                    if self.sign_in_as is not None:
                        user = await session.sign_in(*self.sign_in_as)
                break
            except ChallengeError as error:
                if listing is not None:
                    listing.cancel()
                if not (kept and passing(error)):
                    self.show_connect(describe(error))
                    return
                # Still signed in (only a 401 says otherwise): say so, and try again.
                await self.wait_for_server(error, attempt)
        if user is None:
            self.show_connect("Your kept sign-in no longer works (it expired, or you signed "
                              "out elsewhere): please sign in again." if kept else "")
            return
        self.update_status(user=user)
        self.start_draft_sync()
        await self.browse(listing)

    RETRY_DELAYS: tuple[float, ...] = (2.0, 4.0, 8.0, 15.0, 30.0)  # seconds; then 30 s

    async def wait_for_server(self, error: ChallengeError, attempt: int) -> None:
        """Say the server is in trouble, and wait before asking again."""
        delay = self.RETRY_DELAYS[min(attempt, len(self.RETRY_DELAYS) - 1)]
        said = (f"{describe(error)} You are still signed in; trying again in "
                f"{delay:.0f} s.")
        if attempt == 0:
            self.notify(said, title="Server trouble", severity="error", timeout=10,
                        markup=False)
        for waiting in self.screen_stack[0].query("#connecting"):  # the base screen
            if isinstance(waiting, Static):
                waiting.update(Content(said))
        await asyncio.sleep(delay)

    def show_first_look(self, look: FirstLook) -> FirstLook | None:
        from tui.screens.first_look import FirstChallengeScreen, FirstChallengesScreen

        try:
            can_moderate = look.who.role in MODERATORS
            screen = (FirstChallengeScreen(look.one, look.one.rows(), can_moderate=can_moderate)
                      if look.one else FirstChallengesScreen(look.summaries(),
                                                              can_moderate=can_moderate))
        except (KeyError, TypeError, ValueError):
            return None  # not what the API promises: the usual way says so
        self.update_status(user=look.who, phase=look.one.phase if look.one else None)
        if self.early_keys:  # typed before it was up: held with its own, in order
            screen.held.extend(self.early_keys)
            self.early_keys.clear()
        self.switch_to(screen)
        return look

    def leave_first_look(self, look: FirstLook) -> bool:
        """Put the real screen in the first look's place, at the same row, and do the
        keys pressed meanwhile. False when the answers do not pass the wire models:
        the caller then starts again the usual way and says what is wrong."""
        from pydantic import ValidationError

        from tui.first_look import typed_challenge, typed_challenges, typed_user
        from tui.screens.challenge import ChallengeScreen
        from tui.screens.challenges import ChallengesScreen
        from tui.screens.first_look import FirstLookBase

        assert self.session is not None
        first = self.screen if isinstance(self.screen, FirstLookBase) else None
        row = first.highlighted if first else 0
        screen: Screen[None]
        try:
            user = typed_user(look)
            if look.one is not None:
                challenge, rows, cursor = typed_challenge(look.one)
                screen = ChallengeScreen(look.one.slug, challenge,
                                         first_page=(rows, cursor, row))
            else:
                screen = ChallengesScreen(typed_challenges(look), highlighted=row)
        except ValidationError:
            return False
        self.session.use_kept_token()
        self.session.user = user
        self.update_status(user=user)
        self.start_draft_sync()
        self.switch_to(screen)
        if first is not None and first.held:
            self.call_after_refresh(self.replay, first.held)
        self.call_after_refresh(self.started)
        return True

    def replay(self, keys: list[events.Key]) -> None:
        """Keys typed on the first look, to the real screen, as Textual would have
        handled them there, one after the other.

        Posted all at once, they would race: ``/`` opens the search box and focuses it
        through the app's queue, while the letters after it were already on their way
        to the list as commands. So each key is handled only once what the one before
        it set going on the app's queue (a focus change, a mount) is done.
        """
        if keys:
            self.call_later(self.replay_one, keys, 0)

    async def replay_one(self, keys: list[events.Key], index: int) -> None:
        from textual.widgets import Input, TextArea

        key, focused = keys[index], self.focused
        active = self.screen.active_bindings.get(key.key)
        if key.is_printable and key.character and isinstance(focused, Input):
            focused.insert_text_at_cursor(key.character)
        elif key.is_printable and key.character and isinstance(focused, TextArea):
            focused.insert(key.character)
        elif active is not None and active.enabled:
            await self.run_action(active.binding.action, active.node)
        else:
            (focused or self.screen).post_message(events.Key(key.key, key.character))
        if index + 1 < len(keys):
            self.call_later(self.replay_one, keys, index + 1)

    def action_command_palette(self) -> None:
        from tui.screens.first_look import FirstLookBase

        if isinstance(self.screen, FirstLookBase):  # its actions are the real screen's
            self.screen.held.append(events.Key(self.COMMAND_PALETTE_BINDING, None))
            return
        super().action_command_palette()

    def signed_in(self) -> None:
        """After the sign-in screen: show the challenges."""
        assert self.session is not None
        self.update_status(user=self.session.user)
        self.start_draft_sync()
        self.run_worker(self.browse(), exclusive=True, group="session")

    async def browse(self, listing: Awaitable[Page[ChallengeSummary]] | None = None) -> None:
        """The challenges, or straight into the challenge when there is only one."""
        assert self.session is not None
        client = self.session.client
        try:
            page = await (listing or client.list_challenges(limit=100))
        except ChallengeError:
            page = None  # the challenges screen asks again and says what went wrong
        if page is not None and len(page.items) == 1:
            # One challenge: straight in, as people expect. Its screen is built once the
            # challenge is known, tabs and all.
            from tui.screens.challenge import ChallengeScreen

            slug = page.items[0].slug
            try:
                challenge = await client.get_challenge(slug)
            except ChallengeError:
                challenge = None  # the screen asks again and says what went wrong
            self.switch_to(ChallengeScreen(slug, challenge))
        else:
            from tui.screens.challenges import ChallengesScreen

            self.switch_to(ChallengesScreen(page))
        self.call_after_refresh(self.started)

    def switch_to(self, screen: Any) -> None:
        """Replace whatever stack is showing with ``screen``."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    @work(exclusive=True, group="session")
    async def action_sign_out(self) -> None:
        await self.stop_draft_sync()  # sent with the token, before it goes
        await self.stop_live()
        self.forget_drafts()
        if self.session is not None:
            await self.session.sign_out()
            self.update_status(user=None, phase=None)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.show_connect("Signed out.")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette offers every action the current screen has a key for."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.tooltip or binding.description,
                                f"key: {binding.key_display or key}",
                                partial(self.run_action, binding.action, active.node))
        if "profile" not in seen and self.session is not None and self.session.user:
            # Wherever you are (one challenge opens straight in, with no list to press p on).
            yield SystemCommand("Your profile: your staff group",
                                "declare, change or clear it", self.open_profile)

    def show_phase(self, phase: Phase | None) -> None:
        self.update_status(phase=phase)

    async def api(self, call: Callable[[], Awaitable[T]]) -> T | None:
        """Run a client call; any failure becomes a message, never a crash."""
        try:
            return await call()
        except ChallengeError as error:
            self.notify(describe(error), title="Not done", severity="error", markup=False)
            return None


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark a task's failure as seen: a dropped request is not an error to log."""
    if not task.cancelled():
        task.exception()
