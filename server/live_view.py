"""What one subscriber may see of an event: pure functions over the stored rows.

Rows hold the JSON as moderators see it (server/live_record.py); here it is narrowed
per person, in memory: an anonymous author's name only to moderators, a status reason
only to the author and moderators, counts only when the phase shows them (to nobody
otherwise, moderators included), a submission that left public view only as "gone" to
everyone else. Each narrowing has a small key, so a row is shaped once per key, not
once per subscriber.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

COUNTS = "submission.counts"


@dataclass(frozen=True)
class Viewer:
    user_id: int
    role: str

    @property
    def moderator(self) -> bool:
        return self.role in ("moderator", "admin")


@dataclass
class Row:
    """An ``events`` row as the hub read it."""

    id: int
    name: str
    challenge_id: int | None
    audience: str
    user_id: int | None
    data: str
    _parsed: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def parsed(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self.data)
        return self._parsed


def allowed(audience: str, user_id: int | None, viewer: Viewer) -> bool:
    if audience == "public":
        return True
    if audience == "user":
        return viewer.user_id == user_id
    if audience == "author" and viewer.user_id == user_id:
        return True
    return viewer.moderator  # "author" (moderators too) and "moderators"


def variant(row: Row, viewer: Viewer, counts_visible: bool) -> tuple[Any, ...]:
    """The key of what ``viewer`` gets of ``row`` (allowed already): equal keys, equal
    JSON."""
    own = viewer.user_id == row.user_id
    if row.name.startswith("submission."):
        if viewer.moderator:
            return ("moderator", own, counts_visible)
        return ("author" if own else "public", counts_visible)
    if row.name == "comment.created":
        return ("moderator",) if viewer.moderator else ("own",) if own else ("public",)
    if row.name == "queue.changed":
        return (counts_visible,)  # its items' votes: hidden from moderators too
    return ()


def shape(row: Row, key: tuple[Any, ...]) -> dict[str, Any]:
    """The data of ``row`` for the viewers of ``key``."""
    data = dict(row.parsed)
    if row.name.startswith("submission."):
        return _submission(data, key)
    if row.name == "queue.changed" and key == (False,):
        data["added"] = [{**item, "up": None, "down": None} for item in data.get("added", [])]
    if row.name == "comment.created" and key != ("moderator",):
        comment = dict(data["comment"])
        if comment.get("anonymous"):
            comment["author"] = None
        if key != ("own",):
            comment["status_reason"] = None
        data["comment"] = comment
    return data


#: Everything told by votes or comparisons, hidden with the counts; a counts event
#: carries the first six (bridging is a whole-challenge order, not a row's counter).
_COUNTS = ("up", "down", "score", "wins", "losses", "pairwise_score", "bridging", "groups")
_COUNTERS = _COUNTS[:6]


def _hide_counts(shown: dict[str, Any]) -> None:
    for name in _COUNTS:
        if name in shown:
            shown[name] = None


def _submission(data: dict[str, Any], key: tuple[Any, ...]) -> dict[str, Any]:
    who, flag = key[0], key[1]
    shown = data.get("submission")
    if shown is None:
        return data
    shown = dict(shown)
    if who == "moderator":
        shown["is_mine"] = flag
        if not key[2]:
            _hide_counts(shown)
        data["submission"] = shown
        return data
    if who == "public" and shown["status"] != "published":
        data["submission"] = None  # gone from their view: say so, and nothing more
        return data
    if shown.get("anonymous"):
        shown["author"] = None
    shown["is_mine"] = who == "author"
    if who != "author":
        shown["status_reason"] = None
    if not flag:
        _hide_counts(shown)
    data["submission"] = shown
    return data


def counts(rows: list[Row], viewer: Viewer, counts_visible: bool) -> dict[str, Any] | None:
    """One ``submission.counts`` data of a challenge's coalesced rows for ``viewer``:
    the latest counters of each submission; while counts are hidden from them, only the
    comment counts of submissions whose comments changed. None: nothing for them."""
    latest: dict[int, dict[str, Any]] = {}
    commented: set[int] = set()
    slug = ""
    for row in rows:
        if not allowed(row.audience, row.user_id, viewer):
            continue
        item = row.parsed
        slug = item["challenge"]
        latest[item["id"]] = item
        if item["cause"] == "comments":
            commented.add(item["id"])
    items = []
    for sid, item in sorted(latest.items()):
        if counts_visible:
            # .get: rows written before comparisons were counted lack their counters
            items.append({"id": sid, **{k: item.get(k) for k in _COUNTERS},
                          "comments": item["comments"]})
        elif sid in commented:
            items.append({"id": sid, **dict.fromkeys(_COUNTERS), "comments": item["comments"]})
    return {"challenge": slug, "items": items} if items else None


def counts_key(rows: list[Row], viewer: Viewer, counts_visible: bool) -> tuple[Any, ...]:
    """Equal keys, equal ``counts`` data: rows for authors only make it personal."""
    personal = any(r.audience != "public" for r in rows)
    return (counts_visible, viewer.moderator,
            viewer.user_id if personal and not viewer.moderator else None)
