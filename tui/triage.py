"""The moderation queue as the moderator sees it: plain Python, no terminal.

The screen draws what this holds; this decides what a key does to it:

* a decision takes its targets out of the list at once (optimistic) and the item
  after them takes the cursor; the server's answer then confirms it (``confirmed``)
  or puts everything back where it was, marked with the server's message
  (``refused``);
* ``space`` selects items for a bulk decision: one server decision for all of them;
* undo puts your latest decision's items back (and takes them out again if the
  server refuses the undo);
* the counter of what is left is the queue's ``total`` minus what was decided here
  since the queue was read.

An item whose flags are dismissed while it also waits for approval stays queued: it
is kept in the list, without its flags.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from client.models import (
    ActionRef,
    DecisionCreate,
    DecisionResult,
    DecisionTarget,
    FlagReason,
    Kind,
    ModerationActionName,
    QueueItem,
    QueuePage,
    TargetType,
)
from tui import clock
from tui.session import describe
from tui.text import local_times

Key = tuple[TargetType, int]
State = Literal["sending", "done", "refused", "undoing", "undone"]
# Decisions the queue screen makes with one key (the others are for the log).
DECISION_ACTIONS: tuple[ModerationActionName, ...] = (
    "approve", "reject", "hide", "dismiss_flags", "merge")
PAST: dict[str, str] = {
    "approve": "approved", "reject": "rejected", "hide": "hidden",
    "dismiss_flags": "flags dismissed", "merge": "merged", "restore": "restored",
    "lock_comments": "comments locked", "block_user": "author blocked",
    "reveal_counts": "hidden counts revealed"}


@dataclass(frozen=True)
class Filters:
    """What the queue is narrowed to (None: everything)."""

    challenge: str | None = None
    kind: Kind | None = None
    flag_reason: FlagReason | None = None
    type: TargetType | None = None

    def describe(self) -> str:
        parts = [f"{name}: {value}" for name, value in (
            ("challenge", self.challenge), ("kind", self.kind),
            ("flagged for", self.flag_reason), ("type", self.type)) if value]
        return ", ".join(parts)


def refusal(error: BaseException) -> str:
    """What the server said, its timestamps (the decision that came first) in local time."""
    return local_times(describe(error), clock.now())


def key_of(item: QueueItem) -> Key:
    return (item.type, item.id)


# The server's rank of each type among items of the same time (server/queue.py).
TYPE_RANK = {"submission": 0, "comment": 1, "entry": 2, "entry_comment": 3}


def queue_order(item: QueueItem) -> tuple[datetime, int, int]:
    """The server's queue order: oldest first, then submissions, comments, guide
    entries and their comments, then id."""
    return (item.created_at, TYPE_RANK[item.type], item.id)


def stays_queued(action: str, item: QueueItem) -> bool:
    """Whether ``item`` is still in the queue after ``action``: only dismissing the
    flags of an item that also waits for approval leaves it there."""
    return action == "dismiss_flags" and "pending" in item.queued_for


def without_flags(item: QueueItem) -> QueueItem:
    return item.model_copy(update={"flags": [], "flag_count": 0, "flag_reasons": {},
                                   "queued_for": [q for q in item.queued_for
                                                  if q != "flagged"]})


@dataclass(eq=False)
class Decision:
    """One decision made here: its request, its targets as the queue showed them."""

    seq: int
    action: ModerationActionName
    request: DecisionCreate
    items: list[QueueItem]  # as they were before the decision, for putting back
    reason: str | None = None
    merge_into: int | None = None
    state: State = "sending"
    action_id: int | None = None  # the server's, once confirmed
    undo_wanted: bool = False  # ``u`` was pressed for it (perhaps while still sending)
    counted: int = 0  # of its targets, how many the counter counts as decided
    uncounted: set[Key] = field(default_factory=set)  # targets ``gone`` when decided

    @property
    def keys(self) -> list[Key]:
        return [key_of(i) for i in self.items]

    @property
    def removed(self) -> list[QueueItem]:
        """The targets the decision takes out of the queue."""
        return [i for i in self.items if not stays_queued(self.action, i)]

    def describe(self) -> str:
        what = (f"{len(self.items)} items" if len(self.items) > 1
                else f"{self.items[0].type} {self.items[0].id}")
        return f"{what} {PAST.get(self.action, self.action)}"


@dataclass
class Triage:
    """The loaded queue, the cursor, the selection and the decisions made here."""

    items: list[QueueItem] = field(default_factory=list)
    total: int = 0  # the queue's size when it was last read from the start
    decided: int = 0  # items taken out of the list since then
    cursor: int = 0
    selected: set[Key] = field(default_factory=set)
    decisions: list[Decision] = field(default_factory=list)
    # Why an item came back: the server's refusal, shown with it until it is decided.
    notes: dict[Key, str] = field(default_factory=dict)
    # A reject reason typed for an item whose reject was refused, offered again.
    drafts: dict[Key, str] = field(default_factory=dict)
    # Refused items kept in the list for their note although the queue, read since the
    # refusal, no longer holds them (another moderator decided them): not counted.
    gone: set[Key] = field(default_factory=set)
    next_cursor: str | None = None
    loaded: bool = False  # the first page has arrived
    _seq: int = 0

    # --- what is shown ----------------------------------------------------------------

    @property
    def current(self) -> QueueItem | None:
        if not self.items:
            return None
        return self.items[min(self.cursor, len(self.items) - 1)]

    @property
    def left(self) -> int:
        """What is left to decide: the queue's total minus what was decided here."""
        return max(self.total - self.decided, len(self.items) - len(self.gone))

    @property
    def sending(self) -> int:
        return sum(1 for d in self.decisions if d.state in ("sending", "undoing"))

    def index_of(self, key: Key) -> int | None:
        for index, item in enumerate(self.items):
            if key_of(item) == key:
                return index
        return None

    # --- loading ----------------------------------------------------------------------

    def _out(self) -> set[Key]:
        """Keys taken out by decisions the server has not answered yet (or confirmed,
        in case a page read before the answer still lists them)."""
        out: set[Key] = set()
        for decision in self.decisions:
            if decision.state in ("sending", "done"):
                out.update(key_of(i) for i in decision.removed)
        return out

    def load(self, page: QueuePage, *, replace: bool, keep_refused: bool = False) -> None:
        """A page of the queue: the first (``replace``: the list starts again) or the next.

        ``keep_refused``: items that came back refused stay listed with their note even
        if the queue no longer holds them (``gone``), so the moderator still sees why.
        """
        out = self._out()
        kept: list[QueueItem] = []
        if replace:
            current = self.current
            kept = [i for i in self.items if key_of(i) in self.notes] if keep_refused else []
            selected = set(self.selected) if keep_refused else set()
            self.gone = set()
            self.items = []
            self.selected.clear()
            self.total = page.total
            # The total may still count decisions not yet answered: the targets this
            # page lists count as decided already; others are not in the total.
            listed = {key_of(i) for i in page.items}
            for decision in self.decisions:
                decision.counted = (sum(1 for i in decision.removed if key_of(i) in listed)
                                    if decision.state == "sending" else 0)
            self.decided = sum(d.counted for d in self.decisions)
            self.cursor = 0
            self.loaded = True
        present = {key_of(i) for i in self.items}
        for item in page.items:
            key = key_of(item)
            if key in out or key in present:
                continue
            present.add(key)
            insort(self.items, item, key=queue_order)
        for item in kept:
            if (key := key_of(item)) not in present and key not in out:
                insort(self.items, item, key=queue_order)
                self.gone.add(key)
        if replace:
            self.selected = selected & {key_of(i) for i in self.items}
        self.next_cursor = page.next_cursor
        if replace and current is not None:
            # Keep the cursor on the item it was on, if it is still queued.
            found = self.index_of(key_of(current))
            self.cursor = found if found is not None else 0
        self._clamp()

    def wants_more(self, ahead: int) -> bool:
        """Whether the next page should be read: fewer than ``ahead`` items after the cursor."""
        return self.next_cursor is not None and len(self.items) - self.cursor <= ahead

    # --- cursor and selection --------------------------------------------------------

    def _clamp(self) -> None:
        self.cursor = max(0, min(self.cursor, len(self.items) - 1)) if self.items else 0

    def move_to(self, index: int) -> None:
        self.cursor = index
        self._clamp()

    def move(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def toggle(self) -> bool:
        """Select the current item (or unselect it) and move on; whether it is selected."""
        item = self.current
        if item is None:
            return False
        key = key_of(item)
        if key in self.selected:
            self.selected.discard(key)
        else:
            self.selected.add(key)
        self.move(1)
        return key in self.selected

    def targets(self) -> list[QueueItem]:
        """What a decision applies to: the selected items in queue order, else the current."""
        if self.selected:
            return [i for i in self.items if key_of(i) in self.selected]
        return [self.current] if self.current is not None else []

    # --- decisions --------------------------------------------------------------------

    def decide(self, action: ModerationActionName, *, reason: str | None = None,
               merge_into: int | None = None) -> Decision | None:
        """Make a decision on the targets: they leave the list now, the next item is current.

        Raises pydantic's ``ValidationError`` for a request the server would refuse
        as invalid (e.g. a reason too long), before anything changes.
        """
        targets = self.targets()
        if not targets:
            return None
        request = DecisionCreate(
            action=action, reason=reason, merge_into=merge_into,
            targets=[DecisionTarget(type=i.type, id=i.id,
                                    seen_action=i.last_action.id if i.last_action else 0)
                     for i in targets])
        self._seq += 1
        decision = Decision(seq=self._seq, action=action, request=request, items=targets,
                            reason=reason, merge_into=merge_into)
        self.decisions.append(decision)
        self._apply(decision)
        self.selected.clear()
        return decision

    def _apply(self, decision: Decision) -> None:
        """Take the decision's targets out of the list (or strip their flags).

        The cursor goes to the item after the first target; when the current item is
        not a target (a bulk decision on a selection), it stays on it.
        """
        current = self.current
        first = None
        for item in decision.items:
            key = key_of(item)
            index = self.index_of(key)
            if index is None:
                continue
            self.notes.pop(key, None)
            if stays_queued(decision.action, item):
                self.items[index] = without_flags(item)
                if first is None:
                    first = index + 1  # kept in place: the next item is current
                continue
            del self.items[index]
            if key in self.gone:  # not in the queue's total: not counted
                self.gone.discard(key)
                decision.uncounted.add(key)
            else:
                self.decided += 1
                decision.counted += 1
            if first is None or index < first:
                first = index
        if first is not None:
            self.cursor = first
        if current is not None and key_of(current) not in decision.keys:
            found = self.index_of(key_of(current))
            self.cursor = found if found is not None else self.cursor
        self._clamp()

    def _put_back(self, decision: Decision) -> None:
        """The decision's targets, back where they were; the cursor stays on its item."""
        current = self.current
        for item in decision.items:
            key = key_of(item)
            index = self.index_of(key)
            if index is not None:
                self.items[index] = item  # kept in place: its flags come back
                continue
            insort(self.items, item, key=queue_order)
            if key in decision.uncounted:
                decision.uncounted.discard(key)
                self.gone.add(key)
            elif decision.counted > 0:
                decision.counted -= 1
                self.decided -= 1
            else:  # decided before the queue was last read: it joins the queue again
                self.total += 1
        if current is not None:
            found = self.index_of(key_of(current))
            self.cursor = found if found is not None else self.cursor
        self._clamp()

    def confirmed(self, decision: Decision, result: DecisionResult) -> None:
        """The server made the decision: items kept in the queue now carry it."""
        decision.state = "done"
        decision.action_id = result.action.id
        ref = ActionRef(id=result.action.id, action=result.action.action,
                        moderator=result.action.moderator,
                        created_at=result.action.created_at)
        for item in decision.items:
            self.drafts.pop(key_of(item), None)
            if stays_queued(decision.action, item):
                index = self.index_of(key_of(item))
                if index is not None:
                    self.items[index] = self.items[index].model_copy(
                        update={"last_action": ref})

    def refused(self, decision: Decision, message: str,
                per_target: dict[int, str] | None = None) -> None:
        """The server said no: the targets come back, each with why.

        ``per_target``: messages by target index (the problem's ``targets.N`` fields).
        """
        decision.state = "refused"
        self._put_back(decision)
        for index, item in enumerate(decision.items):
            key = key_of(item)
            self.notes[key] = (per_target or {}).get(index, message)
            if decision.action == "reject" and decision.reason:
                self.drafts[key] = decision.reason  # offered again with the next reject

    # --- undo -------------------------------------------------------------------------

    def take_for_undo(self) -> Decision | None:
        """The latest decision made here that stands (or is being sent), marked as wanted
        for undo so a second ``u`` takes the one before it."""
        for decision in reversed(self.decisions):
            if decision.state in ("sending", "done") and not decision.undo_wanted:
                decision.undo_wanted = True
                return decision
        return None

    def undoing(self, decision: Decision) -> None:
        """The undo is sent: the items come back at once, the first of them current."""
        decision.state = "undoing"
        self._put_back(decision)
        found = self.index_of(key_of(decision.items[0]))
        if found is not None:
            self.cursor = found

    def undone(self, decision: Decision) -> None:
        decision.state = "undone"

    def undo_refused(self, decision: Decision) -> None:
        """The server kept the decision: its items leave the list again."""
        decision.state = "done"
        decision.undo_wanted = False
        self._apply(decision)
        for item in decision.items:
            self.notes.pop(key_of(item), None)
        self._clamp()

    def forget_undo(self, decision: Decision) -> None:
        """``u`` was pressed while it was sending and the server refused it: nothing to undo."""
        decision.undo_wanted = False
