"""The guide of a challenge's develop stage: chapters by theme, entries in the
facilitators' order; for facilitators, the suggestions to shortlist, moving entries,
publishing (admins) and exporting.

The lists, their order and their words are ``tui.guide_view``'s; this screen turns keys
into its calls and the server's answers, and draws them. Refusals are notified and
nothing shown is dropped; the cursor stays on what it was on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from client.errors import ChallengeError, Forbidden, NotFound, Unauthorized
from client.guide_models import GuideEntry, Suggestions
from client.models import Challenge, Submission
from tui import citations, clock
from tui.guide_view import (
    ExportFormat,
    GuideModel,
    Heading,
    Mode,
    contents,
    cursor_at,
    empty_words,
    guide_heading,
    line_keys,
    save_export,
    submission_number,
    suggestion_lines,
    without,
)
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import one_line
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

PER_THEME = 5  # suggestions asked for per theme
FACILITATORS_ONLY = frozenset({"suggestions", "add", "move"})
FORMATS: dict[str, ExportFormat] = {"markdown": "markdown", "html": "html"}


class GuideScreen(AppScreen[GuideEntry]):
    AUTO_FOCUS = "OptionList"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", show=False, id="guide.quit"),
        Binding("escape,h", "back", "Back", id="guide.back"),
        # Priority: it opens as the key is read (the list's own enter would post a message).
        Binding("enter,l", "open", "Open", show=False, id="guide.open", priority=True),
        # Facilitators (moderators and admins) only: check_action hides them from others.
        Binding("s", "suggestions", "Suggestions", tooltip="Top-rated submissions not yet "
                "in the guide", id="guide.suggestions"),
        Binding("a", "add", "Add", tooltip="Shortlist the suggestion; in the guide, add a "
                "submission by its number", id="guide.add"),
        Binding("J", "move(1)", "Move↓", tooltip="Move the entry down its chapter",
                id="guide.move_down"),
        Binding("K", "move(-1)", "Move↑", tooltip="Move the entry up its chapter",
                id="guide.move_up"),
        # Admins only.
        Binding("P", "publish", "Publish", tooltip="Publish the guide: anyone may read it",
                id="guide.publish"),
        Binding("P", "unpublish", "Take back", tooltip="The guide is published: take it back",
                id="guide.unpublish"),
        Binding("x", "export", "Export", tooltip="Save the guide as Markdown or HTML",
                id="guide.export"),
        Binding("r", "refresh", "Refresh", id="guide.refresh"),
        Binding("j", "down", show=False, id="guide.down"),
        Binding("k", "up", show=False, id="guide.up"),
        Binding("g", "first", show=False, id="guide.first"),
        Binding("G", "last", show=False, id="guide.last"),
    ]
    DEFAULT_CSS = """
    GuideScreen #guide-heading { height: 1; }
    GuideScreen OptionList, GuideScreen OptionList:focus { height: 1fr; border: none; }
    """

    def __init__(self, challenge: Challenge) -> None:
        super().__init__()
        self.challenge = challenge
        self.slug = challenge.slug
        self.model = GuideModel(list(challenge.themes))
        self.suggestions: Suggestions | None = None
        self.mode: Mode = "guide"
        self.lines: Sequence[Heading | GuideEntry | Submission] = []
        self.cursor: dict[Mode, str | None] = {"guide": None, "suggestions": None}
        self._order_lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="guide-heading", classes="title")
        yield OptionList(id="guide")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show()
        self.load()

    @property
    def facilitator(self) -> bool:
        return self.session.is_moderator

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    # --- which keys apply -------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in FACILITATORS_ONLY:
            return self.facilitator
        if action in ("publish", "unpublish"):  # one P: the key bar says which it does
            published = bool(self.model.published)
            return self.session.role == "admin" and published == (action == "unpublish")
        return super().check_action(action, parameters)

    def offers(self, action: str) -> bool:
        if action == "move":
            return self.mode == "guide" and isinstance(self.current, GuideEntry)
        if action == "export" and self.challenge_app.kiosk:
            return False
        if action in ("publish", "export"):
            return self.mode == "guide" and (self.facilitator or bool(self.model.published))
        if action == "open":
            return self.current is not None
        return True

    # --- drawing ------------------------------------------------------------------------

    def show(self) -> None:
        """Draw the current mode's lines, the cursor on the row it was on (or where it was)."""
        options = self.options
        self.lines = self.model.lines() if self.mode == "guide" else suggestion_lines(
            self.suggestions)
        keys = line_keys(self.lines)
        at = cursor_at(self.lines, keys, self.cursor[self.mode], options.highlighted or 0)
        options.clear_options()
        options.add_options([Option(words, id=key, disabled=isinstance(line, Heading))
                             for line, key, words in zip(
                                 self.lines, keys, contents(self.lines, clock.now()),
                                 strict=True)])
        loaded = self.model.loaded if self.mode == "guide" else self.suggestions is not None
        if not self.lines:
            options.add_option(Option(Content.styled(
                empty_words(self.mode, self.facilitator, self.model.published) if loaded
                else "Loading…", "dim"), disabled=True))
        options.highlighted = at
        self.remember()
        self.update_heading()
        self.refresh_bindings()

    def update_heading(self) -> None:
        self.query_one("#guide-heading", Static).update(
            guide_heading(self.challenge.title, self.model, self.mode, clock.now()))

    def remember(self) -> None:
        option = self.options.highlighted_option
        if option is not None and not option.disabled:
            self.cursor[self.mode] = option.id

    def on_option_list_option_highlighted(self) -> None:
        self.remember()
        self.refresh_bindings()
        line = self.current
        if isinstance(line, GuideEntry) and citations.known_text(line.body) is None:
            self.make_ready(line.body)

    @work(exclusive=True, group="ready", thread=True)
    def make_ready(self, body: str) -> None:
        """The highlighted entry's text parsed ahead, so enter shows it at once."""
        citations.entry_text(body)

    @property
    def current(self) -> GuideEntry | Submission | None:
        index = self.options.highlighted
        if index is None or index >= len(self.lines):
            return None
        line = self.lines[index]
        return None if isinstance(line, Heading) else line

    # --- loading ------------------------------------------------------------------------

    @work(exclusive=True, group="guide")
    async def load(self) -> None:
        """The entries this person may read, and whether the guide is published."""
        found, publication = await asyncio.gather(self._entries(), self._publication(),
                                                  return_exceptions=True)
        if isinstance(found, ChallengeError):
            self.notify(describe(found), title="Could not load the guide", severity="error",
                        markup=False)
            return
        if isinstance(found, BaseException):
            raise found
        self.model.adopt(found)
        if isinstance(publication, tuple):
            self.model.published, self.model.published_at = publication
        self.show()

    async def _entries(self) -> list[GuideEntry]:
        return [e async for e in self.client.iter_guide_entries(self.slug)]

    async def _publication(self) -> tuple[bool, datetime | None] | None:
        try:
            guide = await self.client.get_guide(self.slug)
        except (Forbidden, Unauthorized):
            return False, None  # refused to this reader: not published
        except ChallengeError:
            return None  # not known; the entries' request reports the trouble
        return guide.published, guide.published_at

    @work(exclusive=True, group="suggestions")
    async def load_suggestions(self) -> None:
        try:
            self.suggestions = await self.client.guide_suggestions(self.slug,
                                                                   per_theme=PER_THEME)
        except ChallengeError as error:
            self.notify(describe(error), title="Could not load the suggestions",
                        severity="error", markup=False)
            return
        if self.mode == "suggestions":
            self.show()

    def action_refresh(self) -> None:
        self.load()
        if self.mode == "suggestions":
            self.load_suggestions()

    # --- moving about -------------------------------------------------------------------

    def action_down(self) -> None:
        self.options.action_cursor_down()

    def action_up(self) -> None:
        self.options.action_cursor_up()

    def action_first(self) -> None:
        self.options.action_first()

    def action_last(self) -> None:
        self.options.action_last()

    def action_suggestions(self) -> None:
        self.switch("guide" if self.mode == "suggestions" else "suggestions")

    def switch(self, mode: Mode) -> None:
        self.mode = mode
        self.show()
        if mode == "suggestions":
            self.load_suggestions()  # again each time: others shortlist too

    def action_back(self) -> None:
        if self.mode == "suggestions":
            self.switch("guide")
        else:
            self.app.pop_screen()

    # --- opening ------------------------------------------------------------------------

    def action_open(self) -> None:
        line = self.current
        if isinstance(line, GuideEntry):
            entry_id = line.id

            def back(entry: GuideEntry | None) -> None:
                if entry is not None:
                    self.model.replace(entry)
                    self.show()
                else:
                    self.look_again(entry_id)  # removed there, or left unchanged

            self.challenge_app.open_entry(entry_id, self.challenge, back, known=line)
        elif line is not None:
            self.challenge_app.open_submission(line, self.challenge, lambda _: None)

    @work(group="entry")
    async def look_again(self, entry_id: int) -> None:
        try:
            entry = await self.client.get_guide_entry(entry_id)
        except NotFound:
            self.model.remove(entry_id)
        except ChallengeError:
            return  # the row stays as it was; r asks again
        else:
            self.model.replace(entry)
        self.show()

    # --- facilitators: shortlisting, adding, ordering -------------------------------------

    def action_add(self) -> None:
        item = self.current
        if self.mode == "guide":
            self.add_by_number()
        elif isinstance(item, Submission) and self.suggestions is not None:
            self.suggestions = without(self.suggestions, item.id)  # gone at once
            self.show()
            self.send(self.shortlist(item))
        else:
            self.notify("No suggestion is highlighted.", severity="warning")

    def send(self, change: Coroutine[Any, Any, None]) -> None:
        """A change is sent from an app worker: leaving the screen neither cancels nor
        loses one on its way (what it draws, it draws only while the screen is up)."""
        self.app.run_worker(change, group="guide-changes", exit_on_error=False)

    def redraw(self) -> None:
        if self.is_attached:
            self.show()

    async def shortlist(self, item: Submission) -> None:
        try:
            entry = await self.client.create_guide_entry(self.slug, item.id)
        except ChallengeError as error:
            self.notify(describe(error), title="Not shortlisted", severity="error",
                        markup=False)
            if self.is_attached:  # as the server has them (it may be back, or taken)
                self.load_suggestions()
                self.load()
            return
        self.added(entry)

    def added(self, entry: GuideEntry) -> None:
        self.model.replace(entry)
        self.redraw()
        self.notify(f"In the guide now: {one_line(entry.title).plain}", title="Shortlisted",
                    markup=False)

    def add_by_number(self) -> None:
        async def send(text: str) -> GuideEntry:
            number = submission_number(text)
            if number is None:
                raise ChallengeError("Type the submission's number, as 123 or #123.")
            entry = await self.client.create_guide_entry(self.slug, number)
            self.added(entry)
            return entry

        self.challenge_app.ask_line("Add a submission to the guide: its number",
                                    send, lambda _: None, placeholder="123 or #123")

    def action_move(self, step: int) -> None:
        entry = self.current
        if self.mode != "guide" or not isinstance(entry, GuideEntry):
            self.notify("Highlight an entry of the guide to move it.", severity="warning")
            return
        if not self.model.move(entry.id, step):
            where = "last" if step > 0 else "first"
            self.notify(f"It is the {where} entry of its chapter already.",
                        severity="warning")
            return
        self.show()  # the cursor follows the entry
        self.send(self.save_order())

    async def save_order(self) -> None:
        """The order as it is when its turn comes: sent one at a time, the last wins."""
        async with self._order_lock:
            order = self.model.order()
            try:
                page = await self.client.order_guide(self.slug, order)
            except ChallengeError as error:
                self.notify(describe(error), title="Order not saved", severity="error",
                            markup=False)
                if self.is_attached:
                    self.load()  # the order the server kept
                return
            if self.model.order() == order:  # nothing moved meanwhile
                self.model.adopt(page.items)
                self.redraw()

    # --- admins: publishing; everyone: exporting ---------------------------------------

    def action_publish(self) -> None:
        held = sum(e.moderation_status == "pending" for e in self.model.entries)
        waiting = (f" {held} {'entry waits' if held == 1 else 'entries wait'} for a "
                   "moderator: the guide shows them as they were before the held edit."
                   if held else "")
        self.ask_publish(True, "Publish the guide? Anyone will be able to read it, in the "
                         "app and through the API." + waiting)

    def action_unpublish(self) -> None:
        self.ask_publish(False, "Take the guide back? It stops being public: people signed "
                         "in read it while the develop phase runs, then only its "
                         "facilitators and writers.")

    def ask_publish(self, publish: bool, question: str) -> None:
        from tui.widgets.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.send(self.publish(publish))

        self.app.push_screen(ConfirmScreen(question), answered)

    async def publish(self, published: bool) -> None:
        try:
            guide = await self.client.publish_guide(self.slug, published)
        except ChallengeError as error:
            self.notify(describe(error), title="Not done", severity="error", markup=False)
            return
        self.model.published, self.model.published_at = guide.published, guide.published_at
        self.redraw()
        self.refresh_bindings()
        self.notify("The guide is published: anyone can read it." if guide.published
                    else "The guide is no longer published.", markup=False)

    def action_export(self) -> None:
        if self.challenge_app.kiosk:  # the shared gateway: nothing is saved from there
            self.notify("Exporting is not offered on the shared gateway; the guide's page "
                        "is on the server once it is published.", title="Not exported",
                        severity="warning", markup=False)
            return

        def chosen(fmt: str | None) -> None:
            if fmt is not None and (known := FORMATS.get(fmt)) is not None:
                self.send(self.export(known))

        self.challenge_app.pick("Export the guide as", [
            ("markdown", "Markdown (.md)"), ("html", "A web page to print (.html)")], chosen)

    async def export(self, fmt: ExportFormat) -> None:
        try:
            text = await self.client.export_guide(self.slug, fmt)
        except ChallengeError as error:
            self.notify(describe(error), title="Not exported", severity="error", markup=False)
            return
        try:
            path = await asyncio.to_thread(save_export, self.slug, fmt, text)
        except OSError as error:
            self.notify(f"Could not save the guide: {error}", title="Not exported",
                        severity="error", markup=False)
            return
        self.notify(f"Saved to {path}", title="Guide exported", markup=False, timeout=15)

