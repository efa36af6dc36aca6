"""One challenge: a tab per prompt, sorting, search, theme filter, list/detail when wide."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.events import Resize
from textual.widgets import Input, Static, TabbedContent, TabPane

from client.errors import ChallengeError
from tui import budget, clock, own
from tui.live import LiveUpdate
from tui.phases import allows, current, refusal
from tui.screens.base import AppScreen
from tui.session import counts_hidden, describe
from tui.standing import COUNTED_SORTS, HIDDEN
from tui.text import one_line
from tui.views import CHALLENGE_KEYS, WIDE
from tui.votes import send_vote
from tui.widgets.key_bar import KeyBar
from tui.widgets.phase_clock import PhaseClock
from tui.widgets.search_box import SearchBox
from tui.widgets.status_bar import StatusBar
from tui.widgets.submission_list import Query, Row, SubmissionList

if TYPE_CHECKING:
    from client.models import Challenge, Sort, Submission

SORTS: dict[str, Sort] = {"1": "top", "2": "new", "3": "discussed", "4": "random",
                          "5": "pairwise", "6": "bridging"}


class ChallengeScreen(AppScreen[None]):
    AUTO_FOCUS = "SubmissionList"  # the list in front; None would mean the app's "*"
    # CHALLENGE_KEYS in tui.views: its first look shows the same keys. Compare comes after
    # them, and shows only while the phase allows pairwise comparison (see offers).
    BINDINGS = [*CHALLENGE_KEYS, Binding(
        "P", "pairs", "Compare", tooltip="Compare two at a time: which to test first",
        id="challenge.pairs"), Binding(
        "V", "receipt", "Check my ballot", show=False, id="challenge.receipt",
        tooltip="Check your ballot is in the published ballot log")]

    def __init__(self, slug: str, challenge: Challenge | None = None, *,
                 first_page: tuple[list[Row], str | None, int] | None = None) -> None:
        """``challenge``: the challenge when the app has it already, else it is loaded.
        ``first_page``: the front tab's first page (rows, next cursor, highlighted row),
        when the app has that too."""
        super().__init__()
        self.slug = slug
        self.challenge = challenge
        self.first_page = first_page
        self.sort: Sort = "new"
        self.q: str | None = None
        self.theme: str | None = None
        self.mine = False

    def compose(self) -> ComposeResult:
        if self.challenge is not None:
            self.adopt(self.challenge)
        yield Static("", id="heading", classes="title")
        with Horizontal(id="panes"):
            # With the challenge known, the tabs and lists are built with the screen:
            # one layout, and the first list's request goes out as it mounts.
            with TabbedContent(id="tabs"):
                yield from self.tab_panes()
            # The detail pane (and the Markdown renderer it imports, ~200 ms) is only
            # built the first time the terminal is wide enough to show it.
            yield Container(id="detail")
        yield StatusBar()
        yield KeyBar()
        yield PhaseClock(lambda: self.client.get_challenge(self.slug))

    def on_mount(self) -> None:
        self.set_class(self.app.size.width >= WIDE, "wide")
        if self.challenge is None:
            self.load()
        else:
            self.shown()

    def on_resize(self, event: Resize) -> None:
        was_wide = self.has_class("wide")
        self.set_class(event.size.width >= WIDE, "wide")
        current = self.current_list
        if self.has_class("wide") and not was_wide and current and current.current:
            self.show_detail(current.current)

    def adopt(self, challenge: Challenge) -> None:
        self.challenge = challenge
        if self.counts_hidden():
            self.sort = "random"  # 'top' is not offered

    def counts_hidden(self) -> bool:
        """Whether the phase hides votes and comparisons from this person now (the
        server refuses the sorts made of them)."""
        phase = self.challenge.current_phase if self.challenge else None
        return counts_hidden(phase.show_counts if phase else None)

    def tab_panes(self) -> list[TabPane]:
        """A tab per prompt; only the tab in front loads at once, the others when shown."""
        if self.challenge is None:
            return []
        first_page, self.first_page = self.first_page, None
        panes = []
        for index, prompt in enumerate(self.challenge.prompts):
            items = SubmissionList(self.client, self.query_for(prompt.kind), lazy=index > 0,
                                   id=f"list-{prompt.kind}",
                                   first_page=first_page if index == 0 else None)
            self.say_when_empty(items)
            panes.append(TabPane(one_line(prompt.question), items, id=f"tab-{prompt.kind}"))
        return panes

    def say_when_empty(self, items: SubmissionList) -> None:
        """An empty list says what the phase allows."""
        why = refusal(self.challenge, "submissions", clock.now())
        items.nothing = f"Nothing here yet. {why}" if why else SubmissionList.nothing

    def shown(self) -> None:
        """The challenge is known and its tabs are there."""
        assert self.challenge is not None
        self.query_one(PhaseClock).track(self.challenge)
        self.update_heading()
        self.call_after_refresh(self.focus_list)

    @on(PhaseClock.Changed)
    def phase_changed(self, event: PhaseClock.Changed) -> None:
        if not event.moved:
            self.update_heading()  # the supports left
            return
        for items in self.query(SubmissionList):  # counts shown or not, words when empty
            self.say_when_empty(items)
        if self.sort in COUNTED_SORTS and self.counts_hidden():
            self.notify(f"{HIDDEN[self.sort]} Shown in random order.", severity="warning",
                        markup=False)
            self.sort = "random"  # the server would refuse the other now
        self.reload_lists()

    @work(exclusive=True)
    async def load(self) -> None:
        challenge = await self.challenge_app.api(lambda: self.client.get_challenge(self.slug))
        if challenge is None or self not in self.app.screen_stack:
            return  # (or the screen was left meanwhile: its tabs are going)
        self.adopt(challenge)
        tabs = self.query_one(TabbedContent)
        await tabs.clear_panes()
        for pane in self.tab_panes():
            if self not in self.app.screen_stack:
                return
            await tabs.add_pane(pane)
        self.shown()

    def query_for(self, kind: str) -> Query:
        return Query(self.slug, kind, self.sort, self.q, self.theme,  # type: ignore[arg-type]
                     self.mine)

    def update_heading(self) -> None:
        if self.challenge is None:
            return
        parts = [one_line(self.challenge.title, "bold"), Content.styled(
            f"  sort: {self.sort}", "dim")]
        if self.q:
            parts.append(Content.styled("  search: ", "dim") + one_line(self.q))
        if self.theme:
            parts.append(Content.styled("  theme: ", "dim") + one_line(self.theme))
        if self.mine:
            parts.append(Content.styled("  only mine", "dim"))
        if left := budget.supports_left(self.challenge, clock.now()):
            parts.append(Content(f"  {left}"))
        self.query_one("#heading", Static).update(Content.assemble(*parts))

    @property
    def current_list(self) -> SubmissionList | None:
        tabs = self.query_one(TabbedContent)
        if not tabs.active:
            return None
        found = tabs.query(f"#{tabs.active} SubmissionList")
        return found.first(SubmissionList) if found else None

    def focus_list(self) -> None:
        if (current := self.current_list) is not None:
            current.focus()

    def reload_lists(self) -> None:
        """The list in front again; the other tabs' when they are next shown."""
        current = self.current_list
        for items in self.query(SubmissionList):
            query = self.query_for(items.query_.kind)
            if items is current:
                items.reload(query)
            else:
                items.reload_when_shown(query)
        self.update_heading()

    def action_sort(self, sort: Sort) -> None:
        if sort in COUNTED_SORTS and self.counts_hidden():
            self.notify(HIDDEN[sort], severity="warning", markup=False)
            return
        self.sort = sort
        self.reload_lists()

    @property
    def search_box(self) -> SearchBox | None:
        found = self.query(SearchBox)
        return found.first(SearchBox) if found else None

    async def action_search(self) -> None:
        if (search := self.search_box) is None:
            search = SearchBox()
            await self.mount(search, before=self.query_one("#panes"))
        search.open()

    @on(Input.Submitted, "#search")
    def searched(self, event: Input.Submitted) -> None:
        self.q = event.value.strip() or None
        if self.q is None and (search := self.search_box) is not None:
            search.hide()
        self.reload_lists()
        self.call_after_refresh(self.focus_list)  # leave the box: j/k move the list again

    def close_search(self) -> None:
        if (search := self.search_box) is None:
            return
        search.value = ""
        search.hide()
        if self.q is not None:
            self.q = None
            self.reload_lists()
        self.focus_list()

    def action_theme(self) -> None:
        if self.challenge is None:
            return

        def chosen(theme: str | None) -> None:
            if theme is not None:
                self.theme = theme or None
                self.reload_lists()

        options = [("", "All themes"), *((t, t) for t in self.challenge.themes)]
        self.challenge_app.pick("Theme", options, chosen)

    def action_mine(self) -> None:
        if self.session.user is None:
            self.notify("Sign in to see your own posts.", severity="warning")
            return
        self.mine = not self.mine
        self.reload_lists()
        self.notify("Your own posts, in every status: open one to see a moderator's reason."
                    if self.mine else "Everyone's published posts.")

    def action_back(self) -> None:
        if (search := self.search_box) is not None and search.is_open:
            self.close_search()  # esc first closes the search, then leaves
            return
        self.challenge_app.show_phase(None)
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:  # opened straight from start-up (a lone challenge): back is the list
            self.challenge_app.open_challenges(instead=True)

    def action_refresh(self) -> None:
        self.reload_lists()
        self.query_one(PhaseClock).look()  # and the phases, which an admin may have changed

    def action_down(self) -> None:
        if (current := self.current_list) is not None:
            current.action_cursor_down()

    def action_up(self) -> None:
        if (current := self.current_list) is not None:
            current.action_cursor_up()

    def action_first(self) -> None:
        if (current := self.current_list) is not None:
            current.action_first()

    def action_last(self) -> None:
        if (current := self.current_list) is not None:
            current.action_last()

    def action_open(self) -> None:
        if (current := self.current_list) is not None and current.current is not None:
            self.open(current.current)

    def action_compose(self) -> None:
        if self.challenge is None:
            return
        tabs = self.query_one(TabbedContent)
        kind = (tabs.active or "tab-story").removeprefix("tab-")
        if self.refused(self.challenge, "submissions"):
            return
        def posted(item: Submission | None) -> None:
            if item is not None:
                self.reload_lists()

        self.challenge_app.open_composer(self.challenge, kind, done=posted)

    def action_drafts(self) -> None:
        if self.challenge is not None:
            self.challenge_app.open_drafts(self.challenge)

    def action_stats(self) -> None:
        self.challenge_app.open_stats(self.slug)

    @on(SubmissionList.Highlighted)
    def highlighted(self, event: SubmissionList.Highlighted) -> None:
        # Both tabs' lists highlight as they load; only the visible one drives the detail.
        if event.control is self.current_list:
            self.refresh_bindings()  # e and w show on your own rows
            if self.has_class("wide"):
                self.show_detail(event.item)

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        current = self.current_list
        if current is not None:
            current.focus()
            if self.has_class("wide") and current.current is not None:
                self.show_detail(current.current)

    @on(LiveUpdate)
    def heard(self, message: LiveUpdate) -> None:
        """What others did, in place (the lists keep the cursor: ``tui.live_list``)."""
        from client.event_models import CountsEvent, PhaseEvent, SubmissionEvent

        data = message.event.data
        if message.event.name == "reset":  # too much was missed: everything again
            self.action_refresh()
        elif getattr(data, "challenge", None) != self.slug:
            return
        elif isinstance(data, SubmissionEvent):
            for items in self.query(SubmissionList):
                items.live_submission(data.id, data.submission)
            self.refresh_bindings()
        elif isinstance(data, CountsEvent):
            for items in self.query(SubmissionList):
                items.live_counts(data.items)
        elif isinstance(data, PhaseEvent):
            self.query_one(PhaseClock).phases_changed(data.phases, data.current_phase)

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane) if pane.id]
        if tabs.active in panes and len(panes) > 1:
            tabs.active = panes[(panes.index(tabs.active) + step) % len(panes)]

    @work(group="vote")
    async def action_vote(self, value: int) -> None:
        """Vote on the highlighted row without opening it; shown at once, then confirmed."""
        current = self.current_list
        item = current.current if current else None
        wanted = None if value == 0 else value
        if (current is None or item is None or item.my_vote == wanted
                or self.refused(self.challenge, "votes")):
            return

        def show(shown: Submission) -> None:
            current.replace_item(shown)
            self.update_heading()

        try:
            await send_vote(self.client, self.challenge, item, wanted, show)
        except ChallengeError as error:
            self.notify(describe(error), title="Vote not counted", severity="error",
                        markup=False)

    @work(exclusive=True, group="detail")
    async def show_detail(self, item: Submission) -> None:
        """The whole submission beside the list (list rows carry no body)."""
        from tui.widgets.submission_detail import SubmissionDetail

        slot = self.query_one("#detail", Container)
        found = slot.query(SubmissionDetail)
        if found:
            detail = found.first(SubmissionDetail)
        else:
            detail = SubmissionDetail()
            await slot.mount(detail)
        detail.show(item)
        try:
            full = await self.client.get_submission(item.id)
        except ChallengeError:
            return  # the list still shows the row; opening it reports the problem
        detail.show(full)

    @on(SubmissionList.Chosen)
    def chosen(self, event: SubmissionList.Chosen) -> None:
        self.open(event.item)

    def open(self, item: Submission) -> None:
        def changed(updated: Submission | None) -> None:
            if updated is not None:
                self.changed(updated)

        self.challenge_app.open_submission(item, self.challenge, changed)

    def changed(self, updated: Submission) -> None:
        """Show a submission changed elsewhere (a vote, an edit, a withdrawal)."""
        for items in self.query(SubmissionList):
            if updated.status == "published" or self.mine:  # "mine": every status
                items.replace_item(updated.model_copy(update={"body": ""}))
            else:
                items.remove_item(updated.id)  # withdrawn: gone from everyone's list
        self.update_heading()  # a vote there changed the supports left
        self.refresh_bindings()

    def action_edit(self) -> None:
        if (item := self.highlighted_item()) is not None:
            own.edit(self, self.challenge, item, self.changed)

    def action_withdraw(self) -> None:
        if (item := self.highlighted_item()) is not None:
            own.withdraw(self, item, self.changed)

    def highlighted_item(self) -> Submission | None:
        current = self.current_list
        item = current.current if current else None
        if item is None:
            self.notify("No submission is highlighted.", severity="warning")
        return item

    def offers(self, action: str) -> bool:
        current = self.current_list
        item = current.current if current else None
        if action == "edit":
            return item is not None and own.why_not_edit(item, self.challenge) is None
        if action == "withdraw":
            return item is not None and own.why_not_withdraw(item) is None
        if action == "compose":
            return allows(self.challenge, "submissions", clock.now())
        if action == "pairs":
            return self.pairwise_open()
        if action == "guide":
            return self.challenge is not None and any(p.develop for p in self.challenge.phases)
        return True

    def pairwise_open(self) -> bool:
        phase = current(self.challenge, clock.now()) if self.challenge else None
        return phase is not None and phase.pairwise

    def action_pairs(self) -> None:
        if self.challenge is None:
            return
        if not self.pairwise_open():
            self.notify("Comparing in pairs is not open in this phase.", title="Not now",
                        severity="warning", markup=False)
            return
        kind = (self.query_one(TabbedContent).active or "tab-story").removeprefix("tab-")
        self.challenge_app.open_pairs(self.slug, kind)

    def action_receipt(self) -> None:
        self.challenge_app.open_receipt(self.slug)

    def action_guide(self) -> None:
        from tui.guide_view import guide_refusal

        if self.challenge is None:
            return
        why = guide_refusal(self.challenge, self.session.is_moderator, clock.now())
        if why is not None:
            self.notify(why, title="Not now", severity="warning", markup=False, timeout=8)
        else:
            self.challenge_app.open_guide(self.challenge)

    def action_moderate(self) -> None:
        self.challenge_app.open_moderation(challenge=self.slug)

    def action_edit_challenge(self) -> None:
        def saved(challenge: Challenge | None) -> None:
            if challenge is not None:
                self.load()  # again, questions (tabs) and all

        if self.challenge is not None:
            self.challenge_app.open_challenge_setup(self.challenge, saved)
