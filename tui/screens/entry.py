"""One guide entry: its status and people, its text with citations as links, its
sources, pledges and comments; editing, history, pledging, comments, flags, and (for
facilitators) its settings.

A citation ``#123`` in the text is a link (a click opens the submission); every cited
submission is also a row of the sources list, where enter opens it. Links typed into
the text are shown, never followed (``tui.citations``).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from client.errors import ChallengeError, NotFound
from client.guide_models import EntryComment, GuideEntry, SourceRef
from client.models import Challenge
from tui import citations, clock, pledging
from tui.flagging import flag
from tui.kept_screen import KeptScreen
from tui.phases import allows
from tui.session import describe
from tui.text import one_line, plain
from tui.widgets import entry_detail
from tui.widgets.entry_text import EntryBody
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

GONE = "This entry is no longer in the guide (or you may not read it)."
WAITS = "This entry waits for a moderator; pledges and comments open once it is published."
LOADING = "Loading…"
NOT_EDITOR = "Only this entry's lead, its contributors and facilitators edit its text."


class EntryScreen(KeptScreen[GuideEntry | None]):
    BINDINGS = [
        # q quits from browsing screens only: in forms it is a letter (ctrl+q always quits).
        Binding("q", "app.quit", "Quit", id="entry.quit"),
        Binding("escape,h", "back", "Back", id="entry.back"),
        Binding("e", "edit", "Edit", tooltip="Edit the entry's text", id="entry.edit"),
        Binding("p", "pledge", "Pledge", tooltip="Pledge to test it, or withdraw",
                id="entry.pledge"),
        Binding("c", "comment", "Comment", id="entry.comment"),
        Binding("f", "flag", "Flag", tooltip="Flag the entry, or the comment picked",
                id="entry.flag"),
        # Facilitators only (check_action hides it from everyone else).
        Binding("s", "settings", "Settings", tooltip="Status, review date, lead, contributors",
                id="entry.settings"),
        Binding("H", "history", "History", tooltip="Versions, with what changed",
                id="entry.history"),
        Binding("r", "refresh", "Refresh", id="entry.refresh"),
        Binding("j", "down", show=False, id="entry.down"),
        Binding("k", "up", show=False, id="entry.up"),
        Binding("l", "open", show=False, id="entry.open"),
    ]
    DEFAULT_CSS = """
    EntryScreen #header { padding: 0 1; }
    EntryScreen #notice { padding: 0 1; color: $warning; }
    EntryScreen .section { padding: 0 1; margin: 1 0 0 0; }
    EntryScreen #pledges { padding: 0 1; margin: 1 0 0 0; }
    EntryScreen OptionList { height: auto; max-height: 12; }
    """

    def __init__(self, entry_id: int, challenge: Challenge | None,
                 entry: GuideEntry | None = None) -> None:
        """``entry``: as the guide has it, shown at once (then asked for again)."""
        super().__init__()
        self.aim(entry_id, challenge, entry)

    def aim(self, entry_id: int, challenge: Challenge | None,
            entry: GuideEntry | None) -> None:
        """What this screen is of, and nothing shown of any entry yet."""
        self.entry_id = entry_id
        self.challenge = challenge
        self.first = entry
        self.entry: GuideEntry | None = None
        self.comments: list[EntryComment] = []
        self.sources: list[int] = []  # the sources list's rows, as submission ids
        self.drafts = self.challenge_app.entry_draft_store()  # memory in kiosk mode
        self.gone = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="body"):
            yield Static(Content(LOADING), id="header")
            yield Static(Content(""), id="notice")
            yield EntryBody(id="markdown")
            yield Static(Content.styled("Sources", "bold") + Content.styled(
                "  (tab to them; enter opens one)", "dim"), classes="section")
            yield OptionList(id="sources")
            yield Static(Content(""), id="pledges")
            yield Static(Content.styled("Comments", "bold") + Content.styled(
                "  (tab to them; f flags one)", "dim"), classes="section")
            yield OptionList(id="comments")
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#notice").display = False
        self.start()

    def start(self) -> None:
        self.query_one("#body").focus()
        if self.first is not None:
            self.show(self.first)  # in the frame that opens the screen
            # Asked for again once that frame is drawn (the request's making is not
            # on the key's path).
            self.call_after_refresh(self.action_refresh)
        else:
            self.action_refresh()

    # --- kept for the next entry (tui.navigation) ---------------------------------------

    def reopen(self, entry_id: int, challenge: Challenge | None,
               entry: GuideEntry | None) -> None:
        """This kept screen, left, shown again for ``entry_id``: nothing of the entry
        before stays (its requests are cancelled, its lines emptied)."""
        self.forget()
        self.aim(entry_id, challenge, entry)
        self.start()

    def forget(self) -> None:
        self.workers.cancel_node(self)
        self.query_one(EntryBody).clear()
        self.entry = None
        self.comments, self.sources = [], []
        self.query_one("#header", Static).update(Content(LOADING))
        notice = self.query_one("#notice", Static)
        notice.update(Content(""))
        notice.display = False
        self.query_one("#pledges", Static).update(Content(""))
        for options in self.query(OptionList):
            options.clear_options()
        self.query_one("#body", VerticalScroll).scroll_to(0, 0, animate=False,
                                                          immediate=True)

    # --- showing --------------------------------------------------------------------

    @property
    def me(self) -> int | None:
        user = self.challenge_app.session.user if self.challenge_app.session else None
        return user.id if user else None

    def show(self, entry: GuideEntry) -> None:
        """``entry`` on screen; its text drawn again only when it changed (the reader
        keeps their place after a pledge or a comment)."""
        before, self.entry = self.entry, entry
        now = clock.now()
        self.query_one("#header", Static).update(entry_detail.header(entry, now))
        self.query_one("#pledges", Static).update(entry_detail.pledges(entry, self.me))
        if before is None or before.body != entry.body:
            self.query_one(EntryBody).update(entry.body)
        if before is None or (before.body, before.source_refs) != (entry.body,
                                                                   entry.source_refs):
            self.list_sources(entry)
        self.show_draft()
        self.refresh_bindings()  # e shows where the text may be edited
        if entry.can_edit and (before is None or before.version != entry.version):
            # Those who may read the history: what H opens, ready.
            self.call_after_refresh(self.prefetch_history, entry)

    @work(exclusive=True, group="prefetch-history")
    async def prefetch_history(self, entry: GuideEntry) -> None:
        """What H opens, fetched once the entry is drawn (H asks again if this fails)."""
        with suppress(ChallengeError):
            await self.session.versions.prefetch(self.client, entry)

    def show_draft(self) -> None:
        notice = self.query_one("#notice", Static)
        draft = self.drafts.load(self.session.server, self.entry_id)
        shown = entry_detail.draft_notice(draft, clock.now())
        notice.update(shown)
        notice.display = bool(shown.plain)

    def list_sources(self, entry: GuideEntry) -> None:
        """The sources, then what the text cites besides: now if the text is ready to
        draw (it knows), else found in a thread."""
        ready = citations.known_text(entry.body)
        if ready is not None:
            self.sources_listed(entry, ready.cited)
        else:
            self.find_cited(entry)

    @work(exclusive=True, group="sources")
    async def find_cited(self, entry: GuideEntry) -> None:
        self.sources_listed(entry, (await asyncio.to_thread(citations.entry_text,
                                                            entry.body)).cited)

    def sources_listed(self, entry: GuideEntry, cited: list[int]) -> None:
        refs = {ref.id: ref for ref in entry.source_refs}
        rows: list[SourceRef | int] = [*entry.source_refs, *(n for n in cited if n not in refs)]
        self.sources = [row if isinstance(row, int) else row.id for row in rows]
        options = self.query_one("#sources", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(entry_detail.cited_line(row) if isinstance(row, int)
                                    else entry_detail.source_line(row)) for row in rows])
        if not rows:
            options.add_option(Option(Content.styled("No sources.", "dim"), disabled=True))
        elif highlighted is not None:
            options.highlighted = min(highlighted, len(rows) - 1)

    @work(exclusive=True, group="comments")
    async def load_comments(self) -> None:
        page = await self.challenge_app.api(
            lambda: self.client.list_guide_comments(self.entry_id, limit=100))
        if page is None:
            return
        self.comments = list(page.items)
        now = clock.now()
        options = self.query_one("#comments", OptionList)
        options.clear_options()
        options.add_options([Option(entry_detail.comment_line(c, now)) for c in self.comments])
        if not self.comments:
            options.add_option(Option(Content.styled("No comments yet: press c.", "dim"),
                                      disabled=True))

    @work(exclusive=True, group="entry")
    async def action_refresh(self) -> None:
        try:
            entry = await self.client.get_guide_entry(self.entry_id)
        except NotFound:
            self.gone = True
            self.query_one("#header", Static).update(Content(GONE))
            return
        except ChallengeError as error:
            self.notify(describe(error), title="Not loaded", severity="error", markup=False)
            return
        self.gone = False
        self.show(entry)
        self.load_comments()

    # --- reading --------------------------------------------------------------------

    def focused_list(self) -> OptionList | None:
        focused = self.focused
        return focused if isinstance(focused, OptionList) else None

    def action_down(self) -> None:
        if (options := self.focused_list()) is not None:
            options.action_cursor_down()
        else:
            self.query_one("#body", VerticalScroll).scroll_down()

    def action_up(self) -> None:
        if (options := self.focused_list()) is not None:
            options.action_cursor_up()
        else:
            self.query_one("#body", VerticalScroll).scroll_up()

    @on(OptionList.OptionHighlighted)
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.option_list.scroll_visible()

    def on_descendant_focus(self) -> None:
        options = self.focused_list()
        if options is not None and options.highlighted is None and options.option_count:
            options.highlighted = 0  # tab to a list: a row is ready for enter or f

    @on(OptionList.OptionSelected, "#sources")
    def source_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option_index < len(self.sources):
            self.open_submission(self.sources[event.option_index])

    def action_open(self) -> None:
        options = self.query_one("#sources", OptionList)
        if options.has_focus and options.highlighted is not None:
            if options.highlighted < len(self.sources):
                self.open_submission(self.sources[options.highlighted])
        else:
            self.notify("Tab to the sources, then enter opens one.", markup=False)

    @on(EntryBody.LinkClicked)
    def link(self, event: EntryBody.LinkClicked) -> None:
        event.stop()
        cited = citations.target(event.href)
        if cited is not None:
            self.open_submission(cited)
        else:
            self.notify(f"Link (not opened): {plain(event.href)}", markup=False, timeout=8)

    @work(exclusive=True, group="open")
    async def open_submission(self, submission_id: int) -> None:
        try:
            item = await self.client.get_submission(submission_id)
        except NotFound:
            self.notify(f"#{submission_id} cannot be opened: it was merged into another "
                        "post, withdrawn, or is not public.", severity="warning",
                        markup=False)
            return
        except ChallengeError as error:
            self.notify(describe(error), title="Not opened", severity="error", markup=False)
            return
        same = self.challenge if self.challenge and self.challenge.slug == item.challenge else None
        self.challenge_app.open_submission(item, same, lambda _: None)

    # --- acting ---------------------------------------------------------------------

    def loaded(self) -> GuideEntry | None:
        """The entry, or None having said why there is none to act on."""
        if self.entry is None or self.gone:
            self.notify(GONE if self.gone else "Still loading the entry.", markup=False)
            return None
        return self.entry

    def open_to_people(self, entry: GuideEntry) -> bool:
        """Whether pledges and comments are open (else says why): the phase, and the
        entry published."""
        if self.refused(self.challenge, "develop"):
            return False
        if entry.moderation_status != "published":
            self.notify(WAITS, severity="warning", markup=False)
            return False
        return True

    def changed(self, entry: GuideEntry | None) -> None:
        """Back from the editor, the history or the settings: what they saved, shown."""
        if entry is not None:
            self.show(entry)
        else:
            self.show_draft()  # an edit may have been kept, or sent and dropped

    def action_edit(self) -> None:
        entry = self.loaded()
        if entry is None or self.refused(self.challenge, "develop"):
            return
        if not entry.can_edit:
            self.notify(NOT_EDITOR, severity="warning", markup=False)
            return
        self.challenge_app.open_entry_editor(entry, self.changed)

    def action_history(self) -> None:
        if (entry := self.loaded()) is not None:
            self.challenge_app.open_entry_history(entry, self.changed)

    def action_settings(self) -> None:
        if not self.session.is_moderator:
            return
        if (entry := self.loaded()) is not None:
            self.challenge_app.open_entry_settings(entry, self.changed)

    def action_pledge(self) -> None:
        entry = self.loaded()
        if entry is not None and self.open_to_people(entry):
            pledging.pledge(self, entry, self.action_refresh)

    def action_comment(self) -> None:
        entry = self.loaded()
        if entry is None or not self.open_to_people(entry):
            return
        posted: list[EntryComment] = []

        async def send(text: str) -> object:
            posted.append(await self.client.add_guide_comment(entry.id, text))
            return posted[-1]

        def done(text: str | None) -> None:
            if text is None or not posted:
                return
            if posted[-1].status != "published":
                self.notify(plain(posted[-1].status_reason or "Waiting for a moderator."),
                            title="Posted, not yet public", severity="warning", timeout=12,
                            markup=False)
            else:
                self.notify("Comment posted.", markup=False)
            self.action_refresh()

        self.challenge_app.write(f"Comment on {one_line(entry.title).plain}", send, done)

    def selected_comment(self) -> EntryComment | None:
        options = self.query_one("#comments", OptionList)
        if not options.has_focus or options.highlighted is None:
            return None
        return (self.comments[options.highlighted]
                if options.highlighted < len(self.comments) else None)

    def action_flag(self) -> None:
        comment = self.selected_comment()
        if comment is not None:
            who = plain(comment.author.display_name) if comment.author else "someone"
            flag(self, f"comment by {who}",
                 lambda reason, note: self.client.flag_guide_comment(comment.id, reason, note),
                 target=("entry_comment", comment.id))
        elif (entry := self.loaded()) is not None:
            flag(self, "guide entry",
                 lambda reason, note: self.client.flag_guide_entry(entry.id, reason, note),
                 target=("entry", entry.id))

    def action_back(self) -> None:
        self.dismiss(None if self.gone else self.entry)

    # --- what is offered ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "settings":  # facilitators only: no key, palette or help otherwise
            session = self.challenge_app.session
            return session is not None and session.is_moderator
        return super().check_action(action, parameters)

    def offers(self, action: str) -> bool:
        if action == "edit":
            return self.entry is not None and self.entry.can_edit
        if action in ("pledge", "comment"):
            return allows(self.challenge, "develop", clock.now())
        return True
