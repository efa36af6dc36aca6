"""Statistics: participants, submissions by kind and theme, activity per day, as bars."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from client.models import Stats
from tui.screens.base import AppScreen
from tui.text import plain
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

BAR = 40


def bars(rows: list[tuple[str, int]], width: int = BAR) -> Content:
    if not rows:
        return Content.styled("  nothing yet", "dim")
    top = max(v for _, v in rows) or 1
    label_width = min(max(len(k) for k, _ in rows), 28)
    lines = [Content(f"  {plain(k)[:label_width]:<{label_width}} ")
             + Content.styled("█" * max(1 if v else 0, round(v / top * width)), "bold")
             + Content(f" {v}") for k, v in rows]
    return Content("\n").join(lines)


def render_stats(stats: Stats) -> Content:
    days = [(d.day.strftime("%a %d %b"), d.votes) for d in stats.per_day[-14:]]
    posts = [(d.day.strftime("%a %d %b"), d.submissions + d.comments)
             for d in stats.per_day[-14:]]
    parts = [
        Content.styled("In numbers", "bold"),
        Content(f"  {stats.participants} people · {stats.submissions} submissions · "
                f"{stats.votes} votes · {stats.comments} comments"),
        Content.styled("Submissions by kind", "bold"),
        bars(sorted(stats.submissions_by_kind.items())),
        Content.styled("Submissions by theme", "bold"),
        bars(sorted(stats.submissions_by_theme.items(), key=lambda kv: -kv[1])),
        Content.styled("Votes per day", "bold"), bars(days),
        Content.styled("Posts and comments per day", "bold"), bars(posts),
    ]
    return Content("\n").join(parts)


class StatsScreen(AppScreen[None]):
    BINDINGS = [
        # q quits from browsing screens only: in forms it is a letter (ctrl+q always quits).
        Binding("q", "app.quit", "Quit", id="stats.quit"),
        Binding("escape,h", "back", "Back", id="stats.back"),
        Binding("r", "refresh", "Refresh", id="stats.refresh"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug = slug

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Loading statistics…", id="stats", markup=False)
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.action_refresh()

    @work(exclusive=True)
    async def action_refresh(self) -> None:
        stats = await self.challenge_app.api(lambda: self.client.stats(self.slug))
        if stats is not None:
            self.query_one("#stats", Static).update(render_stats(stats))

    def action_back(self) -> None:
        self.app.pop_screen()
