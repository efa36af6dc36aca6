"""Drafts and queued posts: resume, send again (same idempotency key), or discard."""

from __future__ import annotations

from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from client.models import Challenge
from tui import clock
from tui.drafts import Draft, DraftStore
from tui.screens.base import AppScreen
from tui.text import ago, one_line
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar


def draft_line(draft: Draft, now: datetime, server: str) -> Content:
    state = "queued to send" if draft.state == "queued" else "draft"
    if draft.server and draft.server != server:
        state += f" · written for {draft.server}"
    if draft.editing is not None:
        state += f" (edit of #{draft.editing})"
    when = ago(datetime.fromisoformat(draft.updated_at), now)
    lines = [one_line(draft.title or "(no title yet)", "bold"),
             Content.styled(f"  {draft.kind} · {state} · saved {when}", "dim")]
    if draft.error:
        lines.append(Content.styled("  last try: ", "dim") + one_line(draft.error))
    return Content("\n").join(lines)


class DraftsScreen(AppScreen[None]):
    BINDINGS = [
        # q quits from browsing screens only: in forms it is a letter (ctrl+q always quits).
        Binding("q", "app.quit", "Quit", id="drafts.quit"),
        Binding("escape,h", "back", "Back", id="drafts.back"),
        Binding("enter,l", "resume", "Resume", id="drafts.resume"),
        Binding("s", "send", "Send now", id="drafts.send"),
        Binding("x", "discard", "Discard", id="drafts.discard"),
        Binding("j", "down", show=False, id="drafts.down"),
        Binding("k", "up", show=False, id="drafts.up"),
    ]

    def __init__(self, challenge: Challenge, store: DraftStore | None = None) -> None:
        super().__init__()
        self.challenge = challenge
        self.store = store or DraftStore()
        self.drafts: list[Draft] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("Drafts", classes="title", markup=False)
        yield OptionList(id="drafts")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        # Every draft for this challenge, whichever server it was written for (the
        # demo's server gets a new port each run): nothing typed is ever hidden.
        self.drafts = [d for d in self.store.all() if d.challenge == self.challenge.slug]
        options = self.query_one(OptionList)
        options.clear_options()
        now = clock.now()
        options.add_options([Option(draft_line(d, now, self.session.server), id=d.id)
                             for d in self.drafts])
        if not self.drafts:
            options.add_option(Option(Content.styled("No drafts.", "dim"), disabled=True))
        else:
            options.highlighted = 0
        options.focus()

    def current(self) -> Draft | None:
        index = self.query_one(OptionList).highlighted
        return self.drafts[index] if index is not None and index < len(self.drafts) else None

    def on_option_list_option_selected(self) -> None:
        self.action_resume()

    def action_resume(self) -> None:
        draft = self.current()
        if draft is not None:
            self.challenge_app.open_composer(self.challenge, draft.kind, draft=draft,
                                             store=self.store)

    @work(exclusive=True)
    async def action_send(self) -> None:
        from tui.posting import send_draft

        draft = self.current()
        if draft is None:
            return
        ok, message = await send_draft(self.client, self.challenge, draft, self.store)
        self.notify(message, severity="information" if ok else "error", markup=False)
        self.reload()

    def action_discard(self) -> None:
        from tui.widgets.confirm import ConfirmScreen

        draft = self.current()
        if draft is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.store.delete(draft.id)
                self.reload()

        self.app.push_screen(ConfirmScreen("Discard this draft? It cannot be recovered."),
                             answered)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()
