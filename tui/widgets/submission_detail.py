"""A submission's header and Markdown body; links are shown, never opened by themselves."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from client.models import Submission
from tui import clock
from tui.text import ago, author_name, one_line, plain, plural
from tui.widgets.body import Body


def header(item: Submission) -> Content:
    author = one_line(author_name(item.author.display_name if item.author else None,
                                  item.anonymous, "anonymous to others"),
                      "" if item.author else "italic")
    votes = (f"▲ {item.up}  ▼ {item.down}" if item.up is not None and item.down is not None
             else "votes hidden during this phase")
    mine = {1: "you support this", -1: "you oppose this"}.get(item.my_vote or 0, "no vote")
    lines = [
        one_line(item.title, "bold"),
        Content.assemble(author, Content.styled(
            f" · {item.kind} · {ago(item.created_at, clock.now())}", "dim")),
        Content.styled("Themes: ", "dim") + one_line(", ".join(item.themes) or "none"),
        Content(f"{votes} · {mine} · {plural(item.comments, 'comment')}"),
    ]
    if item.status != "published":
        reason = f": {plain(item.status_reason)}" if item.status_reason else ""
        lines.append(Content.styled(f"Status: {item.status}{reason}", "bold"))
    return Content("\n").join(lines)


class SubmissionDetail(VerticalScroll):
    """Used beside the list when the terminal is wide, and inside the submission screen."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-header")
        yield Body(id="detail-body")

    def show(self, item: Submission) -> None:
        self.query_one("#detail-header", Static).update(header(item))
        self.query_one("#detail-body", Body).update(item.body)
        self.scroll_home(animate=False)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.app.notify(f"Link (not opened): {plain(event.href)}", markup=False, timeout=8)
