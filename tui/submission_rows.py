"""A list row of a submission and a list's query: what ``tui.widgets.submission_list``
draws, plain data (the app's first look builds rows from JSON without the wire models)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from tui.text import one_line

if TYPE_CHECKING:
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

    @classmethod
    def of(cls, s: Submission) -> Row:
        # Names and themes repeat across rows: interned, they are stored once.
        return cls(s.id, s.challenge, s.kind, one_line(s.title).plain,
                   s.author.id if s.author else None,
                   sys.intern(one_line(s.author.display_name).plain) if s.author else None,
                   s.anonymous, tuple(sys.intern(one_line(t).plain) for t in s.themes),
                   s.comments, s.created_at, s.up, s.down, s.score, s.my_vote, s.is_mine,
                   s.status)

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
                   bool(s.get("is_mine", False)), str(s["status"]))

    def submission(self) -> Submission:
        """As a Submission without its body (enough to show a header, or to vote)."""
        from client.models import Submission, UserPublic

        author = (UserPublic(id=self.author_id, display_name=self.author)
                  if self.author_id is not None and self.author is not None else None)
        return Submission(id=self.id, challenge=self.challenge, kind=self.kind,
                          title=self.title, body="", themes=list(self.themes), author=author,
                          anonymous=self.anonymous, is_mine=self.is_mine,
                          status=self.status,
                          up=self.up, down=self.down, score=self.score,
                          comments=self.comments, my_vote=self.my_vote,
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
