"""A submission's header and Markdown body; links are shown, never opened by themselves."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from client.models import Submission
from tui import clock
from tui.standing import comparisons, groups_line, ordered, score, share, supports
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
    lines += standing(item)
    if item.status != "published":
        reason = f": {plain(item.status_reason)}" if item.status_reason else ""
        lines.append(Content.styled(f"Status: {item.status}{reason}", "bold"))
    return Content("\n").join(lines)


def standing(item: Submission) -> list[Content]:
    """Its pairwise record, once compared, and how each staff group the server shows (5
    or more voters on it) voted; nothing while the phase hides counts (all None)."""
    lines = []
    if item.wins is not None and item.losses is not None and item.wins + item.losses:
        said = (f"Compared: {item.wins} won, {item.losses} lost "
                f"({comparisons(item.wins, item.losses)})")
        if item.pairwise_score is not None:
            said += f" · pairwise score {score(item.pairwise_score)}"
        lines.append(Content(said))
    if item.groups:
        tallies = [(g.group, g.up, g.down) for g in item.groups]
        heading = f"Staff groups of 5+ voters on it: {groups_line(tallies)}"
        if item.bridging is not None:
            heading += f" · bridging {score(item.bridging)}"
        lines.append(Content(heading))
        for group, up, down in ordered(tallies):
            # The group's name is the server's text: a Content, never markup.
            lines.append(Content.assemble(
                "  ✓ " if supports(up, down) else "  · ", one_line(group),
                Content.styled(f"  {share(up, down)} support ({up} of {up + down})", "dim")))
    return lines


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
