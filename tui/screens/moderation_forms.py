"""The moderation screen's small modals: a reject reason, a merge destination, filters."""

from __future__ import annotations

from typing import ClassVar, get_args

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from client.api import ChallengeClient
from client.errors import ChallengeError
from client.models import (
    FlagReason,
    Kind,
    QueueItem,
    TargetType,
)
from tui.session import describe
from tui.text import one_line
from tui.triage import Filters

MAX_REASON = 1_000
# What a moderator most often tells an author; picked with its number, then editable.
REASONS = [
    "It contains details that could identify a patient or colleague. Please post it "
    "again without them.",
    "It is not about this challenge's question, so it has been taken down.",
    "Someone has already posted this: please add your support and comments there.",
    "It is not respectful of colleagues or patients.",
    "It advertises a product or service.",
]


class RejectScreen(ModalScreen[str | None]):
    """A reason for rejecting (the author sees it): a template by number, or typed.

    Dismissed with the reason, or None. A reason that cannot be sent (empty, too
    long) is said so here, and what was typed stays.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="reject.cancel"),
        *(Binding(str(n), f"template({n})", show=False, id=f"reject.template_{n}")
          for n in range(1, len(REASONS) + 1)),
    ]
    DEFAULT_CSS = """
    RejectScreen { align: center middle; }
    RejectScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 90%;
                              border: round $error; padding: 0 1; }
    RejectScreen OptionList { height: auto; max-height: 12; border: none; }
    """

    def __init__(self, count: int, draft: str = "") -> None:
        super().__init__()
        self.count = count
        self.draft = draft

    def compose(self) -> ComposeResult:
        what = "this item" if self.count == 1 else f"these {self.count} items"
        with Vertical():
            yield Static(f"Reject {what}: the author sees the reason", classes="title",
                         markup=False)
            yield OptionList(*[Option(Content(f"{n} ") + one_line(text), id=f"r{n}")
                               for n, text in enumerate(REASONS, 1)], id="templates")
            # Not selected on focus: a key typed on the templates starts the reason.
            yield Input(self.draft, placeholder="Or type a reason", id="reason",
                        max_length=MAX_REASON * 2, select_on_focus=False)
            yield Static("1-5 use a reason (then edit it) · type your own · enter rejects · "
                         "esc cancels", classes="muted", markup=False)
            yield Static("", id="reject-message", classes="error", markup=False)

    def on_mount(self) -> None:
        if self.draft:
            self.query_one(Input).focus()
        else:
            self.query_one(OptionList).focus()

    def action_template(self, number: int) -> None:
        reason = self.query_one(Input)
        reason.value = REASONS[number - 1]
        reason.focus()
        reason.action_end()

    @on(OptionList.OptionSelected, "#templates")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.action_template(event.option_index + 1)

    def on_key(self, event: events.Key) -> None:
        # Typing while the templates have the focus starts a reason of one's own.
        reason = self.query_one(Input)
        if (not reason.has_focus and event.character and event.is_printable
                and not event.character.isdigit() and event.key != "space"):
            event.stop()
            event.prevent_default()
            reason.focus()
            reason.insert_text_at_cursor(event.character)

    @on(Input.Submitted, "#reason")
    def submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        message = self.query_one("#reject-message", Static)
        if not reason:
            message.update("Give a reason: the author is told it.")
            return
        if len(reason) > MAX_REASON:
            message.update(f"At most {MAX_REASON} characters ({len(reason)} now).")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MergeScreen(ModalScreen[tuple[int, str] | None]):
    """Where to merge: one of the likely duplicates (by number), or a submission of the
    same challenge found by its title. Dismissed with (id, title), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="merge.cancel"),
        Binding("slash", "search", "Search", id="merge.search"),
        *(Binding(str(n), f"pick({n})", show=False, id=f"merge.pick_{n}")
          for n in range(1, 10)),
    ]
    DEFAULT_CSS = """
    MergeScreen { align: center middle; }
    MergeScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 90%;
                             border: round $primary; padding: 0 1; }
    MergeScreen OptionList { height: auto; max-height: 12; border: none; }
    """

    def __init__(self, client: ChallengeClient, item: QueueItem, excluded: set[int],
                 count: int) -> None:
        super().__init__()
        self.client = client
        self.item = item
        self.excluded = excluded  # the targets themselves
        self.count = count
        self.choices: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        what = "this submission" if self.count == 1 else f"these {self.count} submissions"
        with Vertical():
            yield Static(f"Merge {what} into… (votes and comments move)", classes="title",
                         markup=False)
            yield OptionList(id="destinations")
            yield Input(placeholder="Search this challenge's titles (enter)", id="merge-q")
            yield Static("1-9 or enter picks · / searches · esc cancels", classes="muted",
                         markup=False)
            yield Static("", id="merge-message", classes="error", markup=False)

    def on_mount(self) -> None:
        suggestions = [(d.id, d.title, d.score) for d in self.item.duplicates
                       if d.type == "submission" and d.id not in self.excluded]
        self.show_choices([(i, t) for i, t, _ in suggestions],
                          [f"{s:.2f}" for _, _, s in suggestions])
        if self.choices:
            self.query_one(OptionList).focus()
        else:
            self.query_one("#merge-message", Static).update(
                "No likely duplicates: search for the one to merge into.")
            self.query_one(Input).focus()

    def show_choices(self, choices: list[tuple[int, str]], notes: list[str]) -> None:
        self.choices = choices
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([
            Option(Content.assemble(Content(f"{n} "), Content.styled(f"{note} ", "bold"),
                                    one_line(title), Content.styled(f"  #{ident}", "dim")))
            for n, ((ident, title), note) in enumerate(zip(choices, notes, strict=True), 1)])
        if choices:
            options.highlighted = 0

    def action_pick(self, number: int) -> None:
        if 0 < number <= len(self.choices):
            self.dismiss(self.choices[number - 1])

    @on(OptionList.OptionSelected, "#destinations")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(event.option_index + 1)

    def action_search(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#merge-q")
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())

    @work(exclusive=True)
    async def search(self, q: str) -> None:
        message = self.query_one("#merge-message", Static)
        message.update("Searching…")
        try:
            page = await self.client.list_submissions(self.item.challenge, q=q, limit=20)
        except ChallengeError as error:
            message.update(describe(error))
            return
        found = [s for s in page.items if s.id not in self.excluded]
        message.update("" if found else "Nothing with that in its title or text.")
        self.show_choices([(s.id, s.title) for s in found], [s.kind for s in found])
        if found:
            self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


ANY = ""


class FilterScreen(ModalScreen[Filters | None]):
    """The queue's filters: a list each (tab between them); enter applies, esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
    ]
    DEFAULT_CSS = """
    FilterScreen { align: center middle; }
    FilterScreen > Vertical { width: 70; max-width: 100%; height: auto; max-height: 95%;
                              border: round $primary; padding: 0 1; }
    FilterScreen OptionList { height: auto; max-height: 8; border: none; }
    FilterScreen #f-challenge { max-height: 6; }
    /* Kind, reason and type side by side: the whole form fits 80x24. */
    FilterScreen Horizontal { height: auto; }
    FilterScreen Horizontal > Vertical { width: 1fr; height: auto; }
    FilterScreen .label { color: $text-muted; }
    """

    def __init__(self, client: ChallengeClient, filters: Filters) -> None:
        super().__init__()
        self.client = client
        self.filters = filters
        # The challenge list's slugs (None: all); until the challenges arrive, the
        # current one is offered alone so that applying keeps it.
        self.slugs: list[str | None] = [None, *([filters.challenge] if filters.challenge
                                                 else [])]
        kinds: tuple[str, ...] = get_args(Kind)
        reasons: tuple[str, ...] = get_args(FlagReason)
        types: tuple[str, ...] = get_args(TargetType)
        self.values: dict[str, list[str]] = {
            "kind": [ANY, *kinds], "flag_reason": [ANY, *reasons], "type": [ANY, *types]}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Filter the queue", classes="title", markup=False)
            yield Static("Challenge", classes="label", markup=False)
            yield OptionList(*[Option(one_line(slug or "All challenges"))
                               for slug in self.slugs], id="f-challenge")
            with Horizontal():
                for name, label in (("kind", "Kind"), ("flag_reason", "Flagged for"),
                                    ("type", "Type")):
                    with Vertical():
                        yield Static(label, classes="label", markup=False)
                        yield OptionList(*[Option(Content(value.replace("_", " ") or "Any"))
                                           for value in self.values[name]], id=f"f-{name}")
            yield Static("tab next list · enter applies · esc cancels", classes="muted",
                         markup=False)

    def on_mount(self) -> None:
        for name in ("kind", "flag_reason", "type"):
            current = getattr(self.filters, name) or ANY
            self.query_one(f"#f-{name}", OptionList).highlighted = (
                self.values[name].index(current))
        options = self.query_one("#f-challenge", OptionList)
        options.highlighted = len(self.slugs) - 1
        options.focus()
        self.load_challenges()

    @work(exclusive=True)
    async def load_challenges(self) -> None:
        try:
            page = await self.client.list_challenges(limit=100)
        except ChallengeError as error:
            self.notify(describe(error), title="Could not list the challenges",
                        severity="error", markup=False)
            return
        options = self.query_one("#f-challenge", OptionList)
        wanted = self.slugs[options.highlighted or 0]
        self.slugs = [None, *(c.slug for c in page.items)]
        options.clear_options()
        options.add_options([Option(Content("All challenges")), *(
            Option(one_line(c.title) + Content.styled(f"  {c.slug}", "dim"))
            for c in page.items)])
        options.highlighted = self.slugs.index(wanted) if wanted in self.slugs else 0

    def chosen(self) -> Filters:
        def value(name: str) -> str | None:
            index = self.query_one(f"#f-{name}", OptionList).highlighted or 0
            return self.values[name][index] or None

        index = self.query_one("#f-challenge", OptionList).highlighted or 0
        return Filters(challenge=self.slugs[index], kind=value("kind"),  # type: ignore[arg-type]
                       flag_reason=value("flag_reason"),  # type: ignore[arg-type]
                       type=value("type"))  # type: ignore[arg-type]

    @on(OptionList.OptionSelected)
    def selected(self) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)
