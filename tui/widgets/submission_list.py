"""A list of submissions that fetches the next page as the cursor nears the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from client.api import ChallengeClient
from client.errors import ChallengeError
from client.models import Kind, Sort, Submission
from tui import clock
from tui.session import describe
from tui.text import ago, one_line, plural

PAGE = 50
PREFETCH = 10  # rows from the end at which the next page is asked for


def submission_line(item: Submission, now: datetime) -> Content:
    votes = ""
    if item.up is not None and item.down is not None:
        votes = f"▲{item.up} ▼{item.down} "
    mine = {1: "+ ", -1: "- "}.get(item.my_vote or 0, "")
    author = item.author.display_name if item.author else "Anonymous"
    meta = " · ".join(p for p in (
        one_line(author).plain, ", ".join(one_line(t).plain for t in item.themes),
        plural(item.comments, "comment"), ago(item.created_at, now)) if p)
    return Content.assemble(
        Content.styled(f"{mine}{votes}", "bold"), one_line(item.title, "bold"), "\n",
        Content.styled(f"  {meta}", "dim"))


@dataclass
class Query:
    slug: str
    kind: Kind
    sort: Sort = "new"
    q: str | None = None
    theme: str | None = None
    cursor: str | None = field(default=None, compare=False)


class SubmissionList(OptionList):
    """Options carry submission ids; ``items`` holds the submissions in order."""

    class Highlighted(Message):
        def __init__(self, item: Submission) -> None:
            super().__init__()
            self.item = item

    class Chosen(Message):
        def __init__(self, item: Submission) -> None:
            super().__init__()
            self.item = item

    def __init__(self, client: ChallengeClient, query: Query, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.client = client
        self.query_ = query
        self.items: list[Submission] = []
        self.exhausted = False
        self.loading = False

    def on_mount(self) -> None:
        self.reload()

    def reload(self, query: Query | None = None) -> None:
        if query is not None:
            self.query_ = query
        self.query_.cursor = None
        self.items = []
        self.exhausted = False
        self.clear_options()
        self.fetch(replace=True)

    @property
    def current(self) -> Submission | None:
        if self.highlighted is None or self.highlighted >= len(self.items):
            return None
        return self.items[self.highlighted]

    @work(exclusive=True, group="page")
    async def fetch(self, replace: bool = False) -> None:
        self.loading = True
        q = self.query_
        try:
            page = await self.client.list_submissions(
                q.slug, kind=q.kind, sort=q.sort, q=q.q, theme=q.theme, cursor=q.cursor,
                limit=PAGE)
        except ChallengeError as error:
            self.app.notify(describe(error), title="Could not load", severity="error",
                            markup=False)
            return
        finally:
            self.loading = False
        now = clock.now()
        if replace:
            self.clear_options()
            self.items = []
        # Bodies are dropped from list rows (the detail and submission views fetch the
        # whole item), so a list scrolled through 50,000 submissions stays small.
        self.items.extend(s.model_copy(update={"body": ""}) for s in page.items)
        self.add_options([Option(submission_line(s, now), id=str(s.id)) for s in page.items])
        q.cursor = page.next_cursor
        self.exhausted = page.next_cursor is None
        if replace and self.items:
            self.highlighted = 0
        if self.screen.focused is None and self.display:
            self.focus()
        if not self.items:
            empty = ("No matches." if q.q or q.theme
                     else "Nothing here yet: n writes the first one.")
            self.add_option(Option(Content.styled(empty, "dim"), disabled=True))

    def replace_item(self, item: Submission) -> None:
        """Show a changed submission (e.g. after a vote) in place."""
        for index, existing in enumerate(self.items):
            if existing.id == item.id:
                self.items[index] = item
                self.replace_option_prompt_at_index(
                    index, submission_line(item, clock.now()))
                return

    def remove_item(self, submission_id: int) -> None:
        for index, existing in enumerate(self.items):
            if existing.id == submission_id:
                del self.items[index]
                self.remove_option_at_index(index)
                return

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        index = event.option_index
        if index < len(self.items):
            self.post_message(self.Highlighted(self.items[index]))
        if (not self.exhausted and not self.loading
                and index >= len(self.items) - PREFETCH):
            self.fetch()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.items):
            self.post_message(self.Chosen(self.items[event.option_index]))
