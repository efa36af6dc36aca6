"""The moderation queue: one key per decision, shown at once, confirmed by the server.

A list of queued items and the current item in full: side by side from 120 columns;
narrower, one at a time (enter or tab shows the item, esc or tab the list). The
state (what is listed, selected, sent, refused) is ``tui.triage.Triage``; this
screen turns keys into its calls and draws it.

Decisions are sent from app workers, so one still on its way when the screen is
closed is neither cancelled nor lost.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from client.errors import ApiError, ChallengeError
from client.models import ModerationActionName, QueueItem
from tui import clock, live_queue
from tui.live import LiveUpdate
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import local_times
from tui.triage import PAST, Decision, Filters, Triage, key_of, refusal
from tui.views import WIDE
from tui.widgets.key_bar import KeyBar
from tui.widgets.queue_detail import render_item
from tui.widgets.queue_list import QueueList
from tui.widgets.status_bar import StatusBar

PAGE = 50  # queue items per request (each comes with its duplicates: not free)
AHEAD = 15  # the next page is asked for when fewer items than this are left below


def per_target(error: ChallengeError) -> dict[int, str]:
    """A refusal's messages by target index (``targets.3``), where the problem says."""
    found: dict[int, str] = {}
    if isinstance(error, ApiError):
        for field in error.errors:
            name, _, index = field.field.partition(".")
            if name == "targets" and index.isdigit():
                found[int(index)] = local_times(field.message, clock.now())
    return found


class ModerationScreen(AppScreen[None]):
    AUTO_FOCUS = "QueueList"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "decide('approve')", "Approve", id="moderation.approve"),
        Binding("x", "reject", "Reject", tooltip="Reject, with a reason the author sees",
                id="moderation.reject"),
        Binding("h", "decide('hide')", "Hide", id="moderation.hide"),
        Binding("m", "merge", "Merge", tooltip="Merge into a likely duplicate",
                id="moderation.merge"),
        Binding("d", "decide('dismiss_flags')", "Dismiss", tooltip="Dismiss the flags",
                id="moderation.dismiss_flags"),
        Binding("space", "select", "Select", tooltip="Select for a bulk decision",
                id="moderation.select"),
        Binding("u", "undo", "Undo", tooltip="Undo your last decision", id="moderation.undo"),
        Binding("l", "log", "Log", tooltip="The moderation log", id="moderation.log"),
        Binding("f", "filters", "Filter", tooltip="Filter the queue", id="moderation.filters"),
        Binding("C", "reveal", "Reveal counts", show=False, id="moderation.reveal",
                tooltip="Reveal a challenge's hidden counts (written to the log)"),
        Binding("r", "refresh", "Refresh", id="moderation.refresh"),
        Binding("escape", "back", "Back", id="moderation.back"),
        Binding("enter,tab", "detail", "Item / list", show=False,
                tooltip="Show the item in full (or the list again)", id="moderation.detail"),
        Binding("j", "down", show=False, id="moderation.down"),
        Binding("k", "up", show=False, id="moderation.up"),
        Binding("g", "first", show=False, id="moderation.first"),
        Binding("G", "last", show=False, id="moderation.last"),
        Binding("J", "scroll_detail(1)", show=False, id="moderation.scroll_down"),
        Binding("K", "scroll_detail(-1)", show=False, id="moderation.scroll_up"),
        Binding("q", "app.quit", "Quit", show=False, id="moderation.quit"),
    ]
    DEFAULT_CSS = """
    ModerationScreen #mod-heading { height: 1; }
    ModerationScreen #mod-panes { height: 1fr; }
    ModerationScreen QueueList { width: 1fr; }
    ModerationScreen #mod-detail { display: none; width: 1fr; padding: 0 1; }
    ModerationScreen.wide QueueList { width: 46; }
    ModerationScreen.wide #mod-detail { display: block; border-left: solid $primary; }
    ModerationScreen.item #mod-detail { display: block; }
    ModerationScreen.item QueueList { display: none; }
    ModerationScreen.wide.item QueueList { display: block; }
    """

    def __init__(self, filters: Filters | None = None) -> None:
        super().__init__()
        self.filters = filters or Filters()
        self.triage = Triage()
        self._settled: dict[int, asyncio.Event] = {}
        self._fetching = False
        # What the detail pane shows (item, note), so an unchanged item is not drawn again.
        self._shown: tuple[QueueItem | None, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="mod-heading", classes="title")
        with Horizontal(id="mod-panes"):
            yield QueueList(self.triage, id="queue")
            with VerticalScroll(id="mod-detail", can_focus=False):
                yield Static("", id="mod-item")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_class(self.app.size.width >= WIDE, "wide")
        self.update_heading()
        self.load(replace=True)

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= WIDE, "wide")
        self.show_item()

    @property
    def queue(self) -> QueueList:
        return self.query_one(QueueList)

    # --- loading ------------------------------------------------------------------------

    @work(exclusive=True, group="queue")
    async def load(self, replace: bool, keep_refused: bool = False) -> None:
        self._fetching = True
        f = self.filters
        try:
            page = await self.client.moderation_queue(
                challenge=f.challenge, kind=f.kind, type=f.type, flag_reason=f.flag_reason,
                cursor=None if replace else self.triage.next_cursor, limit=PAGE)
        except ChallengeError as error:
            self.queue.empty_text = describe(error)
            self.notify(describe(error), title="Could not load the queue", severity="error",
                        markup=False)
            self.queue.changed()
            return
        finally:
            self._fetching = False
        self.triage.load(page, replace=replace, keep_refused=keep_refused)
        self.show_all()

    def more(self) -> None:
        if not self._fetching and self.triage.wants_more(AHEAD):
            self._fetching = True
            self.load(replace=False)

    # --- drawing ------------------------------------------------------------------------

    def show_all(self) -> None:
        """The list changed: draw it, the current item and the counter."""
        self.queue.changed()
        self.show_item()
        self.update_heading()
        self.more()

    def show_item(self) -> None:
        if not (self.has_class("wide") or self.has_class("item")):
            self._shown = None
            return  # not on screen: drawn when it is
        item = self.triage.current
        note = self.triage.notes.get(key_of(item)) if item is not None else None
        if self._shown is not None and self._shown[0] is item and self._shown[1] == note:
            return
        self._shown = (item, note)
        text = (render_item(item, clock.now(), note) if item is not None
                else Content.styled("Nothing to moderate here.", "dim"))
        self.query_one("#mod-item", Static).update(text)
        self.query_one("#mod-detail", VerticalScroll).scroll_home(animate=False)

    def update_heading(self) -> None:
        t = self.triage
        parts = [Content.styled("Moderation", "bold"),
                 Content(f"  {t.left} left" if t.loaded else "  loading…")]
        if t.selected:
            parts.append(Content.styled(f" · {len(t.selected)} selected", "bold"))
        if t.sending:
            parts.append(Content.styled(f" · saving {t.sending}", "dim"))
        if described := self.filters.describe():
            parts.append(Content.styled(f" · {described}", "dim"))
        # One line, whatever it says: no layout for a new count.
        self.query_one("#mod-heading", Static).update(Content.assemble(*parts), layout=False)

    @on(QueueList.Moved)
    def moved(self) -> None:
        self.show_item()
        self.more()

    # --- moving -------------------------------------------------------------------------

    def _move(self, index: int) -> None:
        before = self.triage.cursor
        self.triage.move_to(index)
        if self.triage.cursor != before:
            self.queue.moved(before)
            self.moved()

    def action_down(self) -> None:
        self._move(self.triage.cursor + 1)

    def action_up(self) -> None:
        self._move(self.triage.cursor - 1)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.triage.items) - 1)

    def action_scroll_detail(self, step: int) -> None:
        detail = self.query_one("#mod-detail", VerticalScroll)
        detail.scroll_relative(y=step * max(1, detail.size.height // 2), animate=False)

    def action_detail(self) -> None:
        if self.has_class("wide"):
            return  # both are on screen
        self.toggle_class("item")
        if self.has_class("item"):
            self.show_item()
        else:
            self.queue.focus()
            self.queue.changed()

    def action_back(self) -> None:
        if self.has_class("item") and not self.has_class("wide"):
            self.action_detail()
            return
        self.dismiss(None)

    # --- decisions ------------------------------------------------------------------------

    def action_select(self) -> None:
        if self.triage.current is None:
            return
        before = self.triage.cursor
        self.triage.toggle()
        self.queue.moved(before)
        self.show_item()
        self.update_heading()
        self.more()

    def action_decide(self, action: ModerationActionName, reason: str | None = None,
                      merge_into: int | None = None) -> Decision | None:
        """Take the targets out now; the server's answer reconciles it in a worker."""
        if self.triage.current is None:
            self.notify("Nothing to decide: the queue is empty.", severity="warning")
            return None
        if action == "dismiss_flags" and not any(
                "flagged" in i.queued_for for i in self.triage.targets()):
            self.notify("No flags to dismiss here.", severity="warning")
            return None
        decision = self.triage.decide(action, reason=reason, merge_into=merge_into)
        if decision is None:
            return None
        self._settled[decision.seq] = asyncio.Event()
        self.show_all()
        # Sent once the next item is on screen (building the request is not what the
        # moderator waits for), from an app worker: leaving the screen does not cancel
        # a decision on its way.
        self.app.call_after_refresh(self.app.run_worker, self.send(decision),
                                    group="moderation-decisions", exit_on_error=False)
        return decision

    async def send(self, decision: Decision) -> None:
        try:
            result = await self.client.decide(decision.request)
        except ChallengeError as error:
            self.triage.refused(decision, refusal(error), per_target(error))
            self.redraw()
            if self.is_attached and isinstance(error, ApiError):
                # Refused for what changed on the server (e.g. another moderator decided
                # first): the queue is read again so the heading counts what is left.
                self.load(replace=True, keep_refused=True)
            self.notify(refusal(error), severity="error", markup=False, timeout=12,
                        title=f"Not {PAST.get(decision.action, decision.action)}: "
                              "back in the queue")
            return
        finally:
            self._settled[decision.seq].set()
        self.triage.confirmed(decision, result)
        if self.is_attached:
            self.update_heading()
        if decision.action == "merge" and decision.merge_into is not None:
            self.notify(f"Merged into submission {decision.merge_into}: its votes and "
                        "comments moved.", timeout=4, markup=False)

    def redraw(self) -> None:
        if self.is_attached:
            self._shown = None
            self.show_all()

    def action_reject(self) -> None:
        targets = self.triage.targets()
        if not targets:
            self.notify("Nothing to decide: the queue is empty.", severity="warning")
            return
        draft = next((self.triage.drafts[key_of(i)] for i in targets
                      if key_of(i) in self.triage.drafts), "")

        def chosen(reason: str | None) -> None:
            if reason is not None:
                self.action_decide("reject", reason=reason)

        self.challenge_app.open_reject(len(targets), draft, chosen)

    def action_merge(self) -> None:
        targets = self.triage.targets()
        current = self.triage.current
        if not targets or current is None:
            self.notify("Nothing to decide: the queue is empty.", severity="warning")
            return
        if any(i.type != "submission" for i in targets):
            self.notify("Only submissions can be merged; hide or reject a comment.",
                        severity="warning")
            return
        if len({i.challenge for i in targets}) > 1:
            self.notify("Merge items of one challenge at a time.", severity="warning")
            return

        def chosen(destination: tuple[int, str] | None) -> None:
            if destination is not None:
                self.action_decide("merge", merge_into=destination[0])

        source = targets[0] if current not in targets else current
        self.challenge_app.open_merge(self.client, source, {i.id for i in targets},
                                      len(targets), chosen)

    # --- undo -----------------------------------------------------------------------------

    def action_undo(self) -> None:
        decision = self.triage.take_for_undo()
        self.app.run_worker(self.undo(decision), group="moderation-decisions",
                            exit_on_error=False)

    async def undo(self, decision: Decision | None) -> None:
        if decision is None:
            await self.undo_from_log()
            return
        await self._settled[decision.seq].wait()
        if decision.state != "done" or decision.action_id is None:
            self.triage.forget_undo(decision)
            self.notify("That decision was not made, so there is nothing to undo.",
                        severity="warning")
            return
        self.triage.undoing(decision)
        self.redraw()
        try:
            await self.client.undo_action(decision.action_id)
        except ChallengeError as error:
            self.triage.undo_refused(decision)
            self.redraw()
            self.notify(refusal(error), title="Not undone", severity="error", markup=False,
                        timeout=12)
            return
        self.triage.undone(decision)
        if self.is_attached:
            self.update_heading()
        self.notify(f"Undone: {decision.describe()}.", timeout=4, markup=False)

    async def undo_from_log(self) -> None:
        """Nothing decided here yet: undo my latest decision the log has."""
        user = self.session.user
        if user is None:
            return
        try:
            page = await self.client.moderation_log(moderator=user.id, limit=20)
        except ChallengeError as error:
            self.notify(refusal(error), title="Not undone", severity="error", markup=False)
            return
        latest = next((a for a in page.items if a.undone_at is None), None)
        if latest is None:
            self.notify("You have no decision to undo.", severity="warning")
            return
        try:
            await self.client.undo_action(latest.id)
        except ChallengeError as error:
            self.notify(refusal(error), title="Not undone", severity="error", markup=False)
            return
        self.notify(f"Undone: action {latest.id} "
                    f"({PAST.get(latest.action, latest.action)}).", timeout=4, markup=False)
        if self.is_attached:
            self.load(replace=True)

    @on(LiveUpdate)
    def heard(self, message: LiveUpdate) -> None:
        """Items queued or decided elsewhere, as they happen (``tui.live_queue``)."""
        from client.event_models import QueueEvent

        data = message.event.data
        if message.event.name == "reset":
            self.load(replace=True, keep_refused=True)
        elif isinstance(data, QueueEvent) and self.triage.loaded:
            user = self.session.user
            live_queue.added(self.triage, data.added, self.filters)
            told = live_queue.removed(self.triage, data.removed, user.id if user else None)
            self.show_all()
            if told:
                self.notify(live_queue.said(told), title="Decided elsewhere", timeout=8,
                            markup=False)

    # --- other screens ------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load(replace=True)

    def action_log(self) -> None:
        def back(changed: bool | None) -> None:
            if changed:
                self.load(replace=True)

        self.challenge_app.open_moderation_log(self.filters.challenge, back)

    def action_reveal(self) -> None:
        item = self.triage.current
        self.challenge_app.open_reveal(self.filters.challenge
                                       or (item.challenge if item is not None else None))

    def action_filters(self) -> None:
        def chosen(filters: Filters | None) -> None:
            if filters is not None and filters != self.filters:
                self.filters = filters
                self.update_heading()
                self.load(replace=True)

        self.challenge_app.open_filters(self.client, self.filters, chosen)
