"""Moderation decisions: who may do what to which item, in one transaction.

The rule for concurrent moderators (also in the decisions route and the README):

* Every action needs its targets in certain states (:data:`NEEDS`). A decision
  whose target is not in one of them is refused, whole, with 409: for each such
  target the problem names the latest not-undone decision that changed that part
  of the item (who, action, when, action id) — the decision that took it out of
  the state this action needs — or, when no decision did, the item's state.
* A target may carry ``seen_action``: the latest decision the moderator saw on it
  (``QueueItem.last_action.id``, 0 for none). For the status actions (approve,
  reject, hide, restore, dismiss_flags, merge), a different latest decision (a newer
  one, or that one undone) is a 409 naming it, even when the state would allow the
  action: the moderator decided on a stale view.
* Targets are read under row locks (``FOR UPDATE`` on PostgreSQL, the write lock on
  SQLite), so of two moderators deciding the same item, the second sees the first's
  decision and gets the 409.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import DecisionCreate, DecisionResult, FieldError, TargetState
from client.text import is_blank
from server import guide_moderation, merge, modlog
from server.modlog import Decision, Dimension, Key
from server.problems import VALIDATION, ProblemError
from server.tables import (
    CommentRow,
    FlagRow,
    ModerationActionRow,
    ModerationTargetRow,
    SubmissionRow,
    UserRow,
)

DECISION_CONFLICT = "/problems/decision-conflict"
UNDO_REFUSED = "/problems/undo-refused"
COMMENTS_LOCKED = "/problems/comments-locked"

# What each action needs of a target, in words (the predicate is ``allowed``).
NEEDS = {
    "approve": "pending, or reported and not yet decided",
    "reject": "pending, published or hidden",
    "hide": "pending, published, or hidden with open reports",
    "restore": "hidden or rejected",
    "dismiss_flags": "open reports",
    "merge": "pending, published or hidden",
    "lock_comments": "its comments not locked",
    "block_user": "its author not blocked",
}
MERGE_DESTINATION = ("pending", "published")


@dataclass
class Item:
    """A submission or comment as a decision sees it."""

    type: str
    id: int
    challenge_id: int
    submission_id: int
    author_id: int
    status: str
    status_reason: str | None
    comments_locked: bool
    open_flags: list[int] = field(default_factory=list)
    latest: dict[Dimension, Decision] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return (self.type, self.id)

    @property
    def name(self) -> str:
        return f"{self.type} {self.id}"

    def state(self) -> TargetState:
        return TargetState(type=self.type, id=self.id,
                           status=self.status, status_reason=self.status_reason,
                           comments_locked=self.comments_locked
                           if self.type == "submission" else None)


def allowed(action: str, item: Item, author: UserRow | None) -> bool:
    status, flagged = item.status, bool(item.open_flags)
    if action == "approve":
        return status == "pending" or (status in ("published", "hidden") and flagged)
    if action in ("reject", "merge"):
        return status in ("pending", "published", "hidden")
    if action == "hide":
        return status in ("pending", "published") or (status == "hidden" and flagged)
    if action == "restore":
        return status in ("hidden", "rejected")
    if action == "dismiss_flags":
        return flagged
    if action == "lock_comments":
        return not item.comments_locked
    return author is not None and not author.blocked  # block_user


async def load(session: AsyncSession, keys: Iterable[Key], *, lock: bool,
               extra_submissions: Sequence[int] = ()) -> dict[Key, Item]:
    """The items (and ``extra_submissions``), their open reports and latest decisions.

    With ``lock``, submissions (the targets and the threads of comment targets) are
    locked before comments, in id order: the same order the flag and comment routes
    take them in, so no deadlock.
    """
    keys = list(keys)
    comment_ids = sorted({i for t, i in keys if t == "comment"})
    threads: dict[int, int] = {}
    if comment_ids:
        threads = dict((await session.execute(
            select(CommentRow.id, CommentRow.submission_id)
            .where(CommentRow.id.in_(comment_ids)))).all())
    submission_ids = sorted({i for t, i in keys if t == "submission"} | set(threads.values())
                            | set(extra_submissions))
    S, C = SubmissionRow, CommentRow
    items: dict[Key, Item] = {}
    challenges: dict[int, int] = {}
    if submission_ids:
        query = (select(S.id, S.challenge_id, S.author_id, S.status, S.status_reason,
                        S.comments_locked).where(S.id.in_(submission_ids)).order_by(S.id))
        for sid, cid, author, status, reason, locked in await session.execute(
                query.with_for_update() if lock else query):
            challenges[sid] = cid
            items[("submission", sid)] = Item("submission", sid, cid, sid, author, status,
                                              reason, locked)
    if comment_ids:
        cquery = (select(C.id, C.submission_id, C.author_id, C.status, C.status_reason)
                  .where(C.id.in_(comment_ids)).order_by(C.id))
        found = (await session.execute(cquery.with_for_update() if lock else cquery)).all()
        moved = {sid for _, sid, *_ in found} - set(challenges)  # merged meanwhile
        if moved:
            challenges.update((await session.execute(
                select(S.id, S.challenge_id).where(S.id.in_(sorted(moved))))).all())
        for mid, sid, author, status, reason in found:
            items[("comment", mid)] = Item("comment", mid, challenges[sid], sid, author,
                                           status, reason, False)
    guide_keys = [k for k in keys if k[0] in guide_moderation.GUIDE_TYPES]
    if guide_keys:  # after submissions and comments: the order every route locks in
        for found_item in await guide_moderation.load_items(session, guide_keys, lock=lock):
            items[(found_item["type"], found_item["id"])] = Item(
                found_item["type"], found_item["id"], found_item["challenge_id"], 0,
                found_item["author_id"], found_item["status"], found_item["status_reason"],
                False)
    for kind, ident, flag_id in await session.execute(
            select(FlagRow.target_type, FlagRow.target_id, FlagRow.id)
            .where(FlagRow.resolved_at.is_(None),
                   FlagRow.target_type.in_(("submission", "comment",
                                            *guide_moderation.GUIDE_TYPES)),
                   FlagRow.target_id.in_(sorted({i for _, i in items})))
            .order_by(FlagRow.id)):
        if (kind, ident) in items:
            items[(kind, ident)].open_flags.append(flag_id)
    for key, latest in (await modlog.history(session, items)).items():
        items[key].latest = latest
    return items


def conflict(messages: list[FieldError], *, undo: bool = False) -> ProblemError:
    more = f" ({len(messages) - 1} more in errors)" if len(messages) > 1 else ""
    return ProblemError(
        409, f"{messages[0].message}{more}", errors=messages,
        type=UNDO_REFUSED if undo else DECISION_CONFLICT,
        title="Undo refused" if undo else "Decision conflict")


def invalid(errors: list[FieldError]) -> ProblemError:
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return ProblemError(422, detail, type=VALIDATION, errors=errors)


def _check_request(body: DecisionCreate) -> None:
    """What can be said about a decision without the database: 422s."""
    errors: list[FieldError] = []
    seen: set[Key] = set()
    for i, target in enumerate(body.targets):
        if (target.type, target.id) in seen:
            errors.append(FieldError(field=f"targets.{i}",
                                     message=f"{target.type} {target.id} is listed twice"))
        seen.add((target.type, target.id))
        if body.action in ("merge", "lock_comments") and target.type != "submission":
            errors.append(FieldError(field=f"targets.{i}.type",
                                     message=f"{body.action} applies to submissions only"))
        elif body.action in ("reject", "block_user") and target.type == "entry":
            errors.append(FieldError(field=f"targets.{i}.type",
                                     message=f"{body.action} does not apply to guide entries: "
                                             "hide one, or change it through the guide"))
    if body.action == "merge":
        if body.merge_into is None:
            errors.append(FieldError(field="merge_into",
                                     message="required: the submission to merge into"))
        elif ("submission", body.merge_into) in seen:
            errors.append(FieldError(field="merge_into",
                                     message="cannot merge a submission into itself"))
    elif body.merge_into is not None:
        errors.append(FieldError(field="merge_into", message="only for merge"))
    if body.action == "reject" and is_blank(body.reason or ""):
        errors.append(FieldError(field="reason",
                                 message="required to reject: its author is told why"))
    if errors:
        raise invalid(errors)


def _freshness(action: str, seen: int | None, item: Item) -> str | None:
    if seen is None or modlog.dimension(action) != "status":
        return None
    latest = item.latest.get("status")
    if (latest.id if latest else 0) == seen:
        return None
    if latest is None or latest.id < seen:
        now = f"; the latest: {latest.describe(item.name)}" if latest else ""
        return f"{item.name}: the decision you saw (action {seen}) has been undone{now}"
    return f"{latest.describe(item.name)}, after the decision you saw (action {seen})"


def _refusal(action: str, item: Item, author: UserRow | None,
             author_latest: Decision | None) -> str | None:
    if allowed(action, item, author):
        return None
    dim = modlog.dimension(action)
    latest = author_latest if dim == "block" else item.latest.get(dim)
    needs = f"{action} needs {NEEDS[action]}"
    if latest is not None:
        what = f"the author of {item.name}" if dim == "block" else item.name
        return f"{latest.describe(what)}; {needs}"
    if dim == "block":
        return f"the author of {item.name} is blocked; {needs}"
    state = "locked for comments" if dim == "lock" else item.status
    if dim == "status" and not item.open_flags and item.status in ("published", "hidden"):
        state += " with no open reports"
    return f"{item.name} is {state}; {needs}"


def new_status(action: str, item: Item, reason: str | None,
               into: int | None) -> tuple[str, str | None]:
    if action in ("approve", "restore"):
        return "published", None
    if action == "reject":
        return "rejected", reason
    if action == "hide":
        return "hidden", reason or "Hidden by a moderator."
    if action == "merge":
        return "merged", f"Merged into submission #{into}." + (f" {reason}" if reason else "")
    # dismiss_flags: an item the reports hid (not a moderator's hide) is published again.
    latest = item.latest.get("status")
    if item.status == "hidden" and (latest is None or latest.action != "hide"):
        return "published", None
    return item.status, item.status_reason


async def set_status(session: AsyncSession, changes: dict[tuple[str, str, str | None],
                                                           list[int]], now: Any) -> None:
    """One UPDATE per (type, status, reason): bulk decisions stay a few statements."""
    for (kind, status, reason), ids in changes.items():
        if kind in guide_moderation.GUIDE_TYPES:
            await guide_moderation.set_status(session, kind, status, reason, ids, now)
            continue
        table: type[SubmissionRow] | type[CommentRow] = (
            SubmissionRow if kind == "submission" else CommentRow)
        await session.execute(update(table).where(table.id.in_(ids))
                              .values(status=status, status_reason=reason, updated_at=now)
                              .execution_options(synchronize_session=False))


async def decide(session: AsyncSession, moderator: UserRow, body: DecisionCreate,
                 now: Any) -> tuple[DecisionResult, list[int]]:
    """Apply the decision (not committed); the result and the users it blocked."""
    _check_request(body)
    action = body.action
    keys: list[Key] = [(t.type, t.id) for t in body.targets]
    extra = [body.merge_into] if body.merge_into is not None else []
    items = await load(session, keys, lock=action != "block_user", extra_submissions=extra)
    errors = [FieldError(field=f"targets.{i}", message=f"no such {kind} {ident}")
              for i, (kind, ident) in enumerate(keys) if (kind, ident) not in items]
    into = items.get(("submission", body.merge_into)) if body.merge_into is not None else None
    if body.merge_into is not None and into is None:
        errors.append(FieldError(field="merge_into",
                                 message=f"no such submission {body.merge_into}"))
    if into is not None:
        errors += [FieldError(field=f"targets.{i}",
                              message=f"submission {ident} is in another challenge than "
                                      f"submission {into.id}")
                   for i, (_, ident) in enumerate(keys)
                   if ("submission", ident) in items
                   and items[("submission", ident)].challenge_id != into.challenge_id]
    authors: dict[int, UserRow] = {}
    blocks: dict[int, Decision] = {}
    if action == "block_user" and not errors:
        author_ids = sorted({items[k].author_id for k in keys})
        authors = {u.id: u for u in (await session.execute(
            select(UserRow).where(UserRow.id.in_(author_ids)).order_by(UserRow.id)
            .with_for_update())).scalars()}
        errors += [FieldError(field=f"targets.{i}",
                              message=f"the author of {items[k].name} is a "
                                      f"{authors[items[k].author_id].role}; only participants "
                                      "can be blocked")
                   for i, k in enumerate(keys)
                   if authors[items[k].author_id].role != "participant"]
        for (_, uid), latest in (await modlog.history(
                session, [("user", a) for a in author_ids])).items():
            if "block" in latest:
                blocks[uid] = latest["block"]
    if errors:
        raise invalid(errors)
    conflicts: list[FieldError] = []
    for i, (target, key) in enumerate(zip(body.targets, keys, strict=True)):
        item = items[key]
        message = (_refusal(action, item, authors.get(item.author_id),
                            blocks.get(item.author_id))
                   or _freshness(action, target.seen_action, item))
        if message:
            conflicts.append(FieldError(field=f"targets.{i}", message=message))
    if into is not None and into.status not in MERGE_DESTINATION:
        hid = into.latest.get("status")
        what = hid.describe(into.name) if hid else f"{into.name} is {into.status}"
        conflicts.append(FieldError(
            field="merge_into", message=f"{what}; merge needs a pending or published "
                                        "submission to merge into"))
    if conflicts:
        raise conflict(conflicts)

    row = ModerationActionRow(moderator_id=moderator.id, action=action, reason=body.reason,
                              merge_into=body.merge_into, undo={}, created_at=now)
    session.add(row)
    await session.flush()
    targets = [items[k] for k in keys]
    undo: dict[str, Any] = {}
    target_rows = [{"action_id": row.id, "target_type": t.type, "target_id": t.id,
                    "role": "target", "challenge_id": t.challenge_id} for t in targets]
    blocked: list[int] = []
    if action == "lock_comments":
        ids = [t.id for t in targets]
        await session.execute(update(SubmissionRow).where(SubmissionRow.id.in_(ids))
                              .values(comments_locked=True)
                              .execution_options(synchronize_session=False))
        undo["locked"] = ids
        for t in targets:
            t.comments_locked = True
    elif action == "block_user":
        blocked = sorted({t.author_id for t in targets})
        await session.execute(update(UserRow).where(UserRow.id.in_(blocked))
                              .values(blocked=True)
                              .execution_options(synchronize_session=False))
        undo["blocked"] = blocked
        target_rows += [{"action_id": row.id, "target_type": "user", "target_id": uid,
                         "role": "author", "challenge_id": None} for uid in blocked]
    else:
        await _change_status(session, action, targets, body.reason, into, undo, now)
        if into is not None:
            target_rows.append({"action_id": row.id, "target_type": "submission",
                                "target_id": into.id, "role": "into",
                                "challenge_id": into.challenge_id})
    await session.execute(insert(ModerationTargetRow), target_rows)
    row.undo = undo
    await session.flush()
    (rendered,) = await modlog.render(session, [row])
    return DecisionResult(action=rendered, items=[t.state() for t in targets]), blocked


async def _change_status(session: AsyncSession, action: str, targets: list[Item],
                         reason: str | None, into: Item | None, undo: dict[str, Any],
                         now: Any) -> None:
    changes: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
    records = []
    for t in targets:
        status, new_reason = new_status(action, t, reason, into.id if into else None)
        records.append({"type": t.type, "id": t.id, "status": t.status,
                        "reason": t.status_reason, "after": status})
        if (status, new_reason) != (t.status, t.status_reason):
            changes[(t.type, status, new_reason)].append(t.id)
        t.status, t.status_reason = status, new_reason
    await set_status(session, changes, now)
    flags = sorted(f for t in targets for f in t.open_flags)
    if flags:
        await session.execute(update(FlagRow).where(FlagRow.id.in_(flags))
                              .values(resolved_at=now)
                              .execution_options(synchronize_session=False))
    undo["items"] = records
    undo["flags"] = flags
    threads = {t.submission_id for t in targets if t.type == "comment"}
    if into is not None:
        undo["merges"] = await merge.move(session, [t.id for t in targets], into.id)
        await merge.recount(session, [into.id, *(t.id for t in targets)], votes=True)
    elif threads:
        await merge.recount(session, threads, votes=False)
