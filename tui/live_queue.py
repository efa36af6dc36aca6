"""The moderation queue's live changes (``queue.changed``) applied to ``tui.triage.Triage``:
plain Python, no terminal.

Items come in (new, or with new reports: replaced where they are) in the queue's order,
and leave when a decision took them out; the cursor stays on its item, or on the
neighbour now in its place when its own item left. Decisions made here took their items
out already: their events change nothing. What someone else decided is said once per
event: who, what, how many.
"""

from __future__ import annotations

from bisect import insort
from typing import TYPE_CHECKING

from tui.text import plain
from tui.triage import PAST, Filters, Triage, key_of, queue_order, without_flags
from tui.widgets.rows import fit

if TYPE_CHECKING:
    from client.event_models import QueueRemoval
    from client.models import QueueItem


def matches(filters: Filters, item: QueueItem) -> bool:
    """Whether the queue as narrowed by ``filters`` lists ``item``."""
    return ((filters.challenge is None or item.challenge == filters.challenge)
            and (filters.kind is None or item.kind == filters.kind)
            and (filters.type is None or item.type == filters.type)
            and (filters.flag_reason is None or filters.flag_reason in item.flag_reasons))


def _out_here(triage: Triage) -> set[tuple[str, int]]:
    """Items a decision made here took out (still sending, or done)."""
    return {key_of(i) for d in triage.decisions if d.state in ("sending", "done")
            for i in d.removed}


def added(triage: Triage, items: list[QueueItem], filters: Filters) -> int:
    """Items that came into the queue (or came again with new reports); how many are
    new to the list."""
    current = triage.current
    out = _out_here(triage)
    new = 0
    for item in items:
        key = key_of(item)
        if not matches(filters, item) or key in out:
            continue
        index = triage.index_of(key)
        if index is not None:
            triage.items[index] = item  # its reports changed: replaced where it is
            continue
        if (triage.next_cursor is not None and triage.items
                and queue_order(item) > queue_order(triage.items[-1])):
            triage.total += 1  # beyond the pages read: listed when they are
            continue
        insort(triage.items, item, key=queue_order)
        triage.total += 1
        new += 1
    if current is not None:
        found = triage.index_of(key_of(current))
        triage.cursor = found if found is not None else triage.cursor
    return new


def removed(triage: Triage, gone: list[QueueRemoval],
            me: int | None) -> list[tuple[QueueRemoval, QueueItem]]:
    """Items a decision took out; those that were listed here and decided by someone
    else (or by this moderator elsewhere), with the item as it was, to be said."""
    said: list[tuple[QueueRemoval, QueueItem]] = []
    for removal in gone:
        key = (removal.type, removal.id)
        index = triage.index_of(key)
        if index is None:
            continue  # decided here (already out), or never listed
        item = triage.items[index]
        if removal.status == "pending":  # its flags dismissed: it still waits
            triage.items[index] = without_flags(item)
        else:
            del triage.items[index]
            triage.selected.discard(key)
            triage.notes.pop(key, None)
            if key in triage.gone:
                triage.gone.discard(key)
            else:
                triage.total = max(triage.total - 1, 0)
            if index < triage.cursor or triage.cursor >= len(triage.items):
                triage.cursor = max(triage.cursor - 1, 0)
        if removal.by is None or removal.by.id != me:
            said.append((removal, item))
    return said


def said(removals: list[tuple[QueueRemoval, QueueItem]]) -> str:
    """One sentence for what others decided: "“Rota swaps”: approved by Rachel", or
    "3 items: hidden by Rachel"."""
    people = sorted({" ".join(plain(r.by.display_name).split()) if r.by else "a moderator"
                     for r, _ in removals})
    who = people[0] if len(people) == 1 else "other moderators"
    actions = {r.action for r, _ in removals}
    did = PAST.get(next(iter(actions)), "decided") if len(actions) == 1 else "decided"
    if len(removals) == 1:
        item = removals[0][1]
        what = f"“{fit(' '.join(plain(item.title or item.body).split()), 60)}”"
    else:
        what = f"{len(removals)} items"
    return f"{what}: {did} by {who}"
