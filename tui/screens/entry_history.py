"""An entry's versions, newest first, fetched a page at a time as the list is scrolled;
enter shows what a version changed against the one before it; R brings a version back
as a new one (nothing is lost: the history keeps every version).

What the session has fetched already (``tui.entry_versions``: the entry screen fetches
the first page and the newest diff's texts ahead) is shown in the frame of the key; the
texts of the versions around the one highlighted are fetched ahead too."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from client.errors import ChallengeError, EditConflict
from client.guide_models import EntryVersion, GuideEntry
from client.line_diff import LineDiff, diff_lines
from client.models import Page
from tui import clock
from tui.entry_versions import PAGE
from tui.kept_screen import KeptScreen
from tui.session import describe
from tui.text import ago, one_line
from tui.widgets.diff import DiffView, diff_rows, summary
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

FETCH_AHEAD = 5  # rows from the end of what is loaded: the next page is asked for


def version_line(version: EntryVersion, current: int, now: datetime) -> Content:
    """'v7  Amara Okafor · 2 h ago · restored from v3 · current'."""
    who = version.author.display_name if version.author else "someone"
    parts = [Content.styled(f"v{version.version:<4}", "bold"), one_line(who),
             Content.styled(f" · {ago(version.created_at, now)}", "dim")]
    if version.restored_from is not None:
        parts.append(Content.styled(f" · restored from v{version.restored_from}", "italic"))
    if version.version == current:
        parts.append(Content.styled(" · current", "green"))
    return Content.assemble(*parts)


class EntryHistoryScreen(KeptScreen[GuideEntry | None]):
    """Dismissed with the entry as it is after a restore (None when nothing changed)."""

    BINDINGS = [
        Binding("escape,h", "back", "Back", id="entry_history.back"),
        Binding("enter,l", "show", "Diff", id="entry_history.show"),
        Binding("R", "restore", "Restore", tooltip="Bring this version back as a new one",
                id="entry_history.restore"),
        Binding("r", "refresh", "Refresh", id="entry_history.refresh"),
        Binding("j", "down", show=False, id="entry_history.down"),
        Binding("k", "up", show=False, id="entry_history.up"),
    ]
    DEFAULT_CSS = """
    EntryHistoryScreen #versions { height: 7; border: none; }
    EntryHistoryScreen #diff-heading { height: 1; padding: 0 1; background: $panel; }
    EntryHistoryScreen #diff { height: 1fr; }
    """

    def __init__(self, entry: GuideEntry) -> None:
        super().__init__()
        self.aim(entry)

    def aim(self, entry: GuideEntry) -> None:
        """What this screen is of, and nothing listed yet."""
        self.entry = entry
        self.versions: list[EntryVersion] = []
        self.next_cursor: str | None = None
        self.fetching = False
        self.restored = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(self.heading(), id="heading", classes="title")
        yield OptionList(id="versions")
        yield Static("", id="diff-heading")
        yield DiffView(id="diff")
        yield KeyBar()

    def heading(self) -> Content:
        return Content.assemble(("History of ", "bold"), one_line(self.entry.title, "bold"),
                                (f"  now version {self.entry.version}", "dim"))

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        self.query_one(OptionList).focus()
        kept = self.session.versions.first_page(self.entry)
        if kept is not None:
            self.listed(kept, replace=True)  # in the frame that opens the screen
        else:
            self.load(replace=True)

    # --- kept for the next entry (tui.navigation) ---------------------------------------

    def reopen(self, entry: GuideEntry) -> None:
        """This kept screen, left, shown again for ``entry``: nothing of the history
        before stays (its requests are cancelled, its lines emptied)."""
        self.forget()
        self.aim(entry)
        self.query_one("#heading", Static).update(self.heading())
        self.start()

    def forget(self) -> None:
        self.workers.cancel_node(self)
        self.versions, self.next_cursor, self.fetching = [], None, False
        self.query_one("#heading", Static).update(Content(""))
        self.query_one(OptionList).clear_options()
        self.query_one("#diff-heading", Static).update(Content(""))
        self.query_one(DiffView).show([])

    # --- the list -------------------------------------------------------------------

    @work(exclusive=True, group="entry-history")
    async def load(self, replace: bool) -> None:
        try:
            page = await self.client.list_guide_versions(
                self.entry.id, cursor=None if replace else self.next_cursor, limit=PAGE)
        except ChallengeError as error:
            self.notify(describe(error), title="Could not load the history",
                        severity="error", markup=False)
            return
        finally:
            self.fetching = False
        if replace:
            self.session.versions.keep_first_page(self.entry, page)
        self.listed(page, replace)

    def listed(self, page: Page[EntryVersion], replace: bool) -> None:
        options = self.query_one(OptionList)
        if replace:
            self.versions = []
            options.clear_options()
        self.versions.extend(page.items)
        self.next_cursor = page.next_cursor
        now = clock.now()
        options.add_options([Option(version_line(v, self.entry.version, now))
                             for v in page.items])
        if replace and self.versions:
            options.highlighted = 0
            self.show_diff(self.versions[0].version)

    @on(OptionList.OptionHighlighted, "#versions")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index < len(self.versions):  # its diff's texts, ahead of enter
            self.prefetch(self.versions[event.option_index].version)
        if (self.next_cursor and not self.fetching
                and event.option_index >= len(self.versions) - FETCH_AHEAD):
            self.fetching = True
            self.load(replace=False)

    @on(OptionList.OptionSelected, "#versions")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_show()

    def chosen(self) -> EntryVersion | None:
        index = self.query_one(OptionList).highlighted
        return self.versions[index] if index is not None and index < len(self.versions) \
            else None

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_refresh(self) -> None:
        self.load(replace=True)

    # --- the diff -------------------------------------------------------------------

    def action_show(self) -> None:
        version = self.chosen()
        if version is not None:
            self.show_diff(version.version)

    @work(exclusive=True, group="entry-history-prefetch")
    async def prefetch(self, version: int) -> None:
        with suppress(ChallengeError):
            await self.session.versions.prefetch_texts(self.client, self.entry.id, version)

    def show_diff(self, version: int) -> None:
        """The diff of ``version``: now if both texts are kept, else once fetched."""
        diff = self.session.versions.diff(self.entry.id, version)
        if diff is not None:
            self.workers.cancel_group(self, "entry-history-diff")  # an earlier one, slower
            self.draw_diff(version, diff)
        else:
            self.fetch_diff(version)

    @work(exclusive=True, group="entry-history-diff")
    async def fetch_diff(self, version: int) -> None:
        heading = self.query_one("#diff-heading", Static)
        heading.update(Content.styled(f"Loading version {version}…", "dim"))
        kept = self.session.versions
        try:
            new, old = await asyncio.gather(*(kept.fetch_text(self.client, self.entry.id, v)
                                              for v in (version, version - 1)))
        except ChallengeError as error:
            heading.update(Content(f"Version {version} could not be loaded: "
                                   f"{describe(error)}"))
            return
        self.draw_diff(version, kept.keep_diff(self.entry.id, version, diff_lines(old, new)))

    def draw_diff(self, version: int, diff: LineDiff) -> None:
        heading = self.query_one("#diff-heading", Static)
        against = f"against v{version - 1}" if version > 1 else "the first version"
        heading.update(Content.assemble((f"v{version} ", "bold"), summary(diff),
                                        (f"  {against}", "dim")))
        self.query_one(DiffView).show(diff_rows(diff))

    # --- restoring ------------------------------------------------------------------

    def action_restore(self) -> None:
        from tui.widgets.confirm import ConfirmScreen

        version = self.chosen()
        if version is None:
            return
        if version.version == self.entry.version:
            self.notify("That is the current version already.", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.restore(version.version)

        self.app.push_screen(ConfirmScreen(
            f"Bring back the title and text of version {version.version} as version "
            f"{self.entry.version + 1}? Version {self.entry.version} stays in the history."),
            answered)

    @work(exclusive=True, group="entry-history-restore")
    async def restore(self, version: int) -> None:
        try:
            entry = await self.client.restore_guide_version(
                self.entry.id, version, version=self.entry.version)
        except EditConflict as conflict:
            await self.reload(conflict.current)
            self.notify(f"Someone saved version {self.entry.version} meanwhile: the history "
                        "is reloaded. Look again, then R to restore.", title="Not restored",
                        severity="warning", markup=False, timeout=10)
            return
        except ChallengeError as error:
            self.notify(describe(error), title="Not restored", severity="error",
                        markup=False)
            return
        self.restored = True
        self.notify(f"Version {version} is back, as version {entry.version}.", markup=False)
        await self.reload(entry)

    async def reload(self, entry: GuideEntry | None) -> None:
        if entry is None:
            try:
                entry = await self.client.get_guide_entry(self.entry.id)
            except ChallengeError as error:
                self.notify(describe(error), severity="error", markup=False)
                return
        self.entry = entry
        self.query_one("#heading", Static).update(self.heading())
        self.load(replace=True)

    def action_back(self) -> None:
        self.dismiss(self.entry if self.restored else None)

