"""A list row of a submission and a list's query: what ``tui.widgets.submission_list``
draws, plain data (the app's first look builds rows from JSON without the wire models)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from tui.text import one_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from client.event_models import CountsItem
    from client.models import Kind, Sort, Submission


@dataclass(slots=True)
class Row:
    """What a list row needs of a submission (the body is fetched when it is opened)."""

    id: int
    challenge: str
    kind: Kind
    title: str
    author_id: int | None
    author: str | None
    anonymous: bool
    themes: tuple[str, ...]
    comments: int
    created_at: datetime
    up: int | None
    down: int | None
    score: float | None
    my_vote: int | None
    is_mine: bool
    status: str
    # Issue 15's figures, None while the phase hides counts: pairwise wins and losses,
    # the bridging score, and (group, up, down) of each staff group shown on it.
    wins: int | None = None
    losses: int | None = None
    pairwise_score: float | None = None
    bridging: float | None = None
    groups: tuple[tuple[str, int, int], ...] | None = None

    @classmethod
    def of(cls, s: Submission) -> Row:
        # Names and themes repeat across rows: interned, they are stored once.
        return cls(s.id, s.challenge, s.kind, one_line(s.title).plain,
                   s.author.id if s.author else None,
                   sys.intern(one_line(s.author.display_name).plain) if s.author else None,
                   s.anonymous, tuple(sys.intern(one_line(t).plain) for t in s.themes),
                   s.comments, s.created_at, s.up, s.down, s.score, s.my_vote, s.is_mine,
                   s.status, s.wins, s.losses, s.pairwise_score, s.bridging,
                   None if s.groups is None else tuple(
                       (sys.intern(g.group), g.up, g.down) for g in s.groups))

    @classmethod
    def of_json(cls, s: dict[str, Any]) -> Row:
        """From the API's JSON, unchecked (``client.peek``): the same fields as ``of``.

        A missing or mistyped field raises KeyError, TypeError or ValueError.
        """
        author = s["author"]
        return cls(int(s["id"]), str(s["challenge"]), cast("Kind", str(s["kind"])),
                   one_line(str(s["title"])).plain,
                   int(author["id"]) if author else None,
                   sys.intern(one_line(str(author["display_name"])).plain) if author else None,
                   bool(s["anonymous"]),
                   tuple(sys.intern(one_line(str(t)).plain) for t in s["themes"]),
                   int(s["comments"]), datetime.fromisoformat(s["created_at"]),
                   s.get("up"), s.get("down"), s.get("score"), s.get("my_vote"),
                   bool(s.get("is_mine", False)), str(s["status"]), s.get("wins"),
                   s.get("losses"), s.get("pairwise_score"), s.get("bridging"),
                   None if (groups := s.get("groups")) is None else tuple(
                       (sys.intern(str(g["group"])), int(g["up"]), int(g["down"]))
                       for g in groups))

    def submission(self) -> Submission:
        """As a Submission without its body (enough to show a header, or to vote)."""
        from client.models import GroupSupport, Submission, UserPublic

        author = (UserPublic(id=self.author_id, display_name=self.author)
                  if self.author_id is not None and self.author is not None else None)
        return Submission(id=self.id, challenge=self.challenge, kind=self.kind,
                          title=self.title, body="", themes=list(self.themes), author=author,
                          anonymous=self.anonymous, is_mine=self.is_mine,
                          status=self.status,
                          up=self.up, down=self.down, score=self.score,
                          comments=self.comments, my_vote=self.my_vote,
                          wins=self.wins, losses=self.losses,
                          pairwise_score=self.pairwise_score, bridging=self.bridging,
                          groups=None if self.groups is None else [
                              GroupSupport(group=g, up=up, down=down)
                              for g, up, down in self.groups],
                          created_at=self.created_at, updated_at=self.created_at)


@dataclass
class Query:
    slug: str
    kind: Kind
    sort: Sort = "new"
    q: str | None = None
    theme: str | None = None
    mine: bool = False  # only my own, in every status
    cursor: str | None = field(default=None, compare=False)


def counted(item: CountsItem) -> Callable[[Row], Row]:
    """A row changed to the counters of a ``submission.counts`` event (votes and
    comparisons only where the phase shows them)."""
    def change(row: Row) -> Row:
        row.comments = item.comments
        if item.up is not None:  # absent while the phase hides them
            row.up, row.down, row.score = item.up, item.down, item.score
        if item.wins is not None:
            row.wins, row.losses, row.pairwise_score = item.wins, item.losses, item.pairwise_score
        return row

    return change
