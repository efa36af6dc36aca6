"""The audit log: who did what to which items, why and when, newest first; filterable
by action (and mine only), and an action undoable from here."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, get_args

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from client.errors import ChallengeError
from client.models import (
    AuditedActionName,
    LoggedActionName,
    ModerationAction,
    ModerationActionName,
)
from tui import clock
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import ago, one_line
from tui.triage import PAST, refusal
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

PAGE = 50
SHOWN_TARGETS = 6


def log_line(entry: ModerationAction, now: datetime) -> Content:
    # A challenge is known by its short name (a reveal of its counts targets it).
    slug = entry.challenges[0] if len(entry.challenges) == 1 else None
    targets = ", ".join(f"challenge {slug}" if t.type == "challenge" and slug else
                        f"{t.type} {t.id}" for t in entry.targets[:SHOWN_TARGETS])
    if len(entry.targets) > SHOWN_TARGETS:
        targets += f" and {len(entry.targets) - SHOWN_TARGETS} more"
    if entry.merge_into is not None:
        targets += f" into submission {entry.merge_into}"
    head = Content.assemble(
        Content.styled(f"#{entry.id} ", "dim"),
        Content.styled(PAST.get(entry.action, entry.action), "bold"),
        Content(" by "), one_line(entry.moderator.display_name),
        Content.styled(f" · {ago(entry.created_at, now)}", "dim"))
    if entry.undone_at is not None:
        who = entry.undone_by.display_name if entry.undone_by else "someone"
        head = head + Content.styled(" · undone by ", "italic") + one_line(who, "italic")
    detail = Content("   ") + Content(targets)
    if entry.reason:
        detail = detail + Content.styled(" — ", "dim") + one_line(entry.reason)
    if entry.challenges:
        detail = detail + Content.styled(f"  ({', '.join(entry.challenges)})", "dim")
    return Content("\n").join([head, detail])


class ModerationLogScreen(AppScreen[bool]):
    """Dismissed with whether anything was undone here (the queue then reloads)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="modlog.back"),
        Binding("f", "filter", "Action", tooltip="Show one action only", id="modlog.filter"),
        Binding("o", "mine", "Mine", tooltip="Only my decisions (or everyone's)",
                id="modlog.mine"),
        Binding("u", "undo", "Undo", tooltip="Undo the highlighted action", id="modlog.undo"),
        Binding("r", "refresh", "Refresh", id="modlog.refresh"),
        Binding("j", "down", show=False, id="modlog.down"),
        Binding("k", "up", show=False, id="modlog.up"),
        Binding("q", "app.quit", "Quit", show=False, id="modlog.quit"),
    ]
    DEFAULT_CSS = """
    ModerationLogScreen #log { height: 1fr; border: none; }
    """

    def __init__(self, challenge: str | None = None) -> None:
        super().__init__()
        self.challenge = challenge
        self.only_action: LoggedActionName | None = None
        self.mine = False
        self.entries: list[ModerationAction] = []
        self.next_cursor: str | None = None
        self.changed = False
        self.fetching = False  # a next page is on its way

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="log-heading", classes="title")
        yield OptionList(id="log")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load(replace=True)

    def heading(self) -> Content:
        parts = ["Moderation log"]
        if self.only_action:
            parts.append(f"action: {self.only_action}")
        if self.mine:
            parts.append("mine only")
        if self.challenge:
            parts.append(f"challenge: {self.challenge}")
        return Content.styled(parts[0], "bold") + Content.styled(
            "".join(f" · {p}" for p in parts[1:]), "dim")

    @work(exclusive=True, group="log")
    async def load(self, replace: bool) -> None:
        self.query_one("#log-heading", Static).update(self.heading())
        me = self.session.user.id if self.mine and self.session.user else None
        try:
            page = await self.client.moderation_log(
                moderator=me, action=self.only_action, challenge=self.challenge,
                cursor=None if replace else self.next_cursor, limit=PAGE)
        except ChallengeError as error:
            self.notify(describe(error), title="Could not load the log", severity="error",
                        markup=False)
            return
        finally:
            self.fetching = False
        options = self.query_one(OptionList)
        if replace:
            self.entries = []
            options.clear_options()
        self.entries.extend(page.items)
        self.next_cursor = page.next_cursor
        now = clock.now()
        options.add_options([Option(log_line(e, now)) for e in page.items])
        if replace:
            if self.entries:
                options.highlighted = 0
            else:
                options.add_option(Option(Content.styled("Nothing logged yet.", "dim"),
                                          disabled=True))

    @on(OptionList.OptionHighlighted, "#log")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if (self.next_cursor and not self.fetching
                and event.option_index >= len(self.entries) - 5):
            self.fetching = True
            self.load(replace=False)

    def action_filter(self) -> None:
        actions: tuple[str, ...] = (*get_args(ModerationActionName),
                                    *get_args(AuditedActionName))
        options = [("", "Every action"), *((a, PAST.get(a, a)) for a in actions)]

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.only_action = value or None  # type: ignore[assignment]
            self.load(replace=True)

        self.challenge_app.pick("Show the log for", options, chosen)

    def action_mine(self) -> None:
        self.mine = not self.mine
        self.load(replace=True)

    def action_refresh(self) -> None:
        self.load(replace=True)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_undo(self) -> None:
        from tui.widgets.confirm import ConfirmScreen

        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.entries):
            return
        entry = self.entries[index]
        if entry.undone_at is not None:
            self.notify("That action is undone already.", severity="warning")
            return
        if entry.action == "reveal_counts":
            self.notify("Counts once revealed cannot be undone: what was seen stays seen.",
                        severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.undo(entry)

        self.app.push_screen(ConfirmScreen(
            f"Undo action {entry.id} ({PAST.get(entry.action, entry.action)}, "
            f"{len(entry.targets)} targets)?"), answered)

    @work(exclusive=True, group="undo")
    async def undo(self, entry: ModerationAction) -> None:
        try:
            await self.client.undo_action(entry.id)
        except ChallengeError as error:
            self.notify(refusal(error), title="Not undone", severity="error", markup=False)
            return
        self.changed = True
        self.notify(f"Action {entry.id} undone.")
        self.load(replace=True)

    def action_back(self) -> None:
        self.dismiss(self.changed)
