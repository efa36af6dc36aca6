"""A guide entry's settings (facilitators): its status, review date, lead and
contributors, chosen from the people connected to it. The form's logic is
``tui.entry_settings_form``'s; what is wrong is said at the field; when someone saved
the entry meanwhile, it is reloaded and the choices made here are kept."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Select, Static
from textual.widgets.selection_list import Selection

from client.errors import ApiError, ChallengeError, EditConflict
from client.guide_models import EntryComment, EntryStatus, GuideEntry
from client.models import UserPublic
from tui import clock
from tui.entry_settings_form import (
    FormInvalid,
    SettingsForm,
    challenge_start,
    parse_day,
    people,
    rebase,
    update,
)
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import one_line, plain
from tui.widgets.choices import MarkedSelectionList
from tui.widgets.entry_detail import STATUS_NAMES, day
from tui.widgets.form_rows import ErrorLine, field_row
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

STATUSES: list[tuple[Text, EntryStatus]] = [
    (Text(name), status) for status, name in STATUS_NAMES.items()]  # type: ignore[misc]
CONFLICT = ("Someone saved this entry while you were choosing: shown as it is now, with "
            "your choices kept. ctrl+s saves them.")


class EntrySettingsScreen(AppScreen[GuideEntry | None]):
    AUTO_FOCUS = "#status"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="entry_settings.save"),
        Binding("escape", "close", "Close", id="entry_settings.close"),
    ]
    DEFAULT_CSS = """
    EntrySettingsScreen #fields { height: 1fr; padding: 0 1; }
    EntrySettingsScreen #review_on { width: 14; }
    EntrySettingsScreen .section { margin: 1 0 0 0; color: $text-muted; }
    EntrySettingsScreen #contributor_ids { height: auto; max-height: 12; }
    EntrySettingsScreen #message { height: auto; max-height: 3; padding: 0 1; }
    """

    def __init__(self, entry: GuideEntry) -> None:
        super().__init__()
        self.entry = entry
        self.initial = SettingsForm.of(entry)
        self.comments: list[EntryComment] = []
        self.people: list[UserPublic] = []
        self.start: date | None = None  # when the challenge began: review dates from it

    def compose(self) -> ComposeResult:
        form = self.initial
        yield Static(Content.assemble("Settings of ", one_line(self.entry.title, "bold")),
                     classes="title")
        with VerticalScroll(id="fields"):
            yield from field_row("Status", Select(STATUSES, value=form.status,
                                                  allow_blank=False, compact=True,
                                                  id="status"))
            yield from field_row("Review on", Input(form.review_on, compact=True,
                                                    id="review_on", placeholder="YYYY-MM-DD"),
                                 "blank: none")
            yield from field_row("Lead", Select([], prompt="No lead", compact=True,
                                                id="lead_id"))
            yield Static(Content("Contributors (space chooses; they may edit the text)"),
                         classes="section")
            chosen = MarkedSelectionList[int](id="contributor_ids", compact=True)
            yield chosen
            yield ErrorLine(chosen, id="contributor_ids-error")
        yield Static("", id="message", classes="error", markup=False)
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#message").display = False
        self.show_people()
        self.show_review_day()
        self.load_comments()
        self.load_start()

    @work(exclusive=True, group="start")
    async def load_start(self) -> None:
        """When the challenge began (review dates before its year are refused here, as
        the server refuses them; not known, the server alone says so)."""
        try:
            challenge = await self.client.get_challenge(self.entry.challenge)
        except ChallengeError:
            return
        self.start = challenge_start(challenge)

    @work(exclusive=True, group="comments")
    async def load_comments(self) -> None:
        """Commenters are among the people to choose from."""
        page = await self.challenge_app.api(
            lambda: self.client.list_guide_comments(self.entry.id, limit=100))
        if page is not None:
            self.comments = list(page.items)
            self.show_people()

    # --- the form -------------------------------------------------------------------

    def show_people(self, form: SettingsForm | None = None) -> None:
        """The people to choose from, with ``form``'s choices (default: those made)."""
        form = form or self.read()
        me = self.session.user
        self.people = people(self.entry, self.comments, me)
        named = [(Text(plain(p.display_name) + (" (you)" if me and p.id == me.id else "")), p.id)
                 for p in self.people]
        lead = self.query_one("#lead_id", Select)
        lead.set_options(named)
        lead.value = form.lead_id if form.lead_id is not None else Select.NULL
        chosen = self.query_one("#contributor_ids", MarkedSelectionList)
        highlighted = chosen.highlighted
        chosen.clear_options()
        chosen.add_options([Selection(label, uid, uid in form.contributor_ids)
                            for label, uid in named])
        if highlighted is not None and named:
            chosen.highlighted = min(highlighted, len(named) - 1)

    def read(self) -> SettingsForm:
        if not self.is_mounted or not self.people:
            return self.initial  # before the people are listed: nothing is chosen yet
        status = self.query_one("#status", Select).value
        lead = self.query_one("#lead_id", Select).value
        return SettingsForm(
            status if isinstance(status, str) else self.initial.status,  # type: ignore[arg-type]
            self.query_one("#review_on", Input).value,
            lead if isinstance(lead, int) else None,
            frozenset(self.query_one("#contributor_ids", MarkedSelectionList).selected))

    def show(self, form: SettingsForm) -> None:
        self.query_one("#status", Select).value = form.status
        self.query_one("#review_on", Input).value = form.review_on
        self.show_people(form)

    def on_descendant_focus(self) -> None:
        chosen = self.query_one("#contributor_ids", MarkedSelectionList)
        if chosen.has_focus and chosen.highlighted is None and chosen.option_count:
            chosen.highlighted = 0  # tab to the list: space chooses at once

    def on_input_changed(self) -> None:
        self.show_review_day()

    def show_review_day(self) -> None:
        """The day typed, as a person says it (or nothing while it is none)."""
        hint = self.query_one("#review_on-hint", Static)
        try:
            when = parse_day(self.query_one("#review_on", Input).value)
        except FormInvalid:
            hint.update(Content("YYYY-MM-DD, or blank: none"))
            return
        hint.update(Content(day(when, clock.now().date()) if when else "blank: none"))

    # --- errors, saving, leaving ----------------------------------------------------

    def show_errors(self, errors: dict[str, str], said: str) -> None:
        """Each error at its field (the first focused); the rest, and ``said``, below."""
        lines = {line.id: line for line in self.query(ErrorLine)}
        for line in lines.values():
            line.say("")
        elsewhere: list[str] = []
        for key, message in errors.items():
            at = lines.get(f"{key.split('.')[0]}-error")
            if at is None:
                elsewhere.append(f"{key}: {message}")
            else:
                at.say(message)
        self.say(" ".join([said, *elsewhere]))
        first = next((line for line in lines.values() if line.message), None)
        if first is not None and first.field is not None:
            first.field.focus()

    def say(self, message: str) -> None:
        line = self.query_one("#message", Static)
        line.update(message)
        line.display = bool(message)

    @work(exclusive=True, group="save")
    async def action_save(self) -> None:
        form = self.read()
        try:
            changes = update(self.initial, form, [p.id for p in self.people],
                             start=self.start, today=clock.now().date())
        except FormInvalid as invalid:
            self.show_errors(invalid.errors, "Not saved: see the field marked.")
            return
        if changes is None:
            self.dismiss(None)  # nothing changed: nothing to save
            return
        self.show_errors({}, "Saving…")
        try:
            saved = await self.client.update_guide_entry(self.entry.id, changes,
                                                         version=self.entry.version)
        except EditConflict as conflict:
            await self.reload(conflict.current, form)
            return
        except ApiError as error:
            errors = error.field_errors()
            self.show_errors(errors, "Not saved: see the fields marked." if errors
                             else describe(error))
            return
        except ChallengeError as error:
            self.show_errors({}, describe(error))
            return
        self.notify(f"Saved the settings of {plain(saved.title)}.", markup=False)
        self.dismiss(saved)

    async def reload(self, current: GuideEntry | None, mine: SettingsForm) -> None:
        """After an edit conflict: the entry as it is now, with the choices made here."""
        if current is None:
            current = await self.challenge_app.api(
                lambda: self.client.get_guide_entry(self.entry.id))
            if current is None:
                self.show_errors({}, "Not saved: someone changed the entry, and it could "
                                     "not be loaded again.")
                return
        now = SettingsForm.of(current)
        kept = rebase(self.initial, mine, now)
        self.entry, self.initial = current, now
        self.show(kept)
        self.show_errors({}, CONFLICT)

    def action_close(self) -> None:
        from tui.widgets.confirm import leave

        leave(self, self.read() != self.initial, "What you chose here")
