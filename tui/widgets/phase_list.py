"""The phases of the set-up form, in their order: one ``PhaseEditor`` each, added after
the last, removed, sorted by start. The one holding the focus is ``selected`` (the
timeline picks it out); ``Changed`` says when what the timeline shows has changed."""

from __future__ import annotations

from datetime import timedelta

from textual import on
from textual.containers import Vertical
from textual.events import DescendantFocus
from textual.message import Message
from textual.widgets import Input

from tui import moments
from tui.challenge_form import PhaseForm
from tui.widgets.phase_editor import PhaseEditor

NEW_PHASE = timedelta(days=7)


class PhaseList(Vertical):
    DEFAULT_CSS = "PhaseList { height: auto; }"

    class Changed(Message):
        """A phase was typed in, added, removed or moved, or another one selected."""

    def __init__(self, phases: list[PhaseForm], *, id: str | None = None) -> None:
        super().__init__(*(PhaseEditor(p, n) for n, p in enumerate(phases, 1)), id=id)
        self.selected: int | None = 0 if phases else None

    @property
    def editors(self) -> list[PhaseEditor]:
        return list(self.query_children(PhaseEditor))

    def read(self) -> list[PhaseForm]:
        return [editor.read() for editor in self.editors]

    def holding_focus(self) -> PhaseEditor | None:
        focused = self.screen.focused
        return next((e for e in self.editors if focused in e.walk_children()), None)

    @on(Input.Changed)
    def typed(self) -> None:
        self.post_message(self.Changed())

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        editors = self.editors
        editor = next((e for e in editors if event.widget in e.walk_children()), None)
        if editor is not None and editors.index(editor) != self.selected:
            self.selected = editors.index(editor)
            self.post_message(self.Changed())

    def step(self, by: int) -> None:
        """To the next (``by`` 1) or previous (-1) phase's name; from outside the list,
        to its first or last."""
        editors = self.editors
        if not editors:
            return
        at = ((self.selected or 0) + by if self.holding_focus()
              else 0 if by > 0 else len(editors) - 1)
        editors[max(0, min(at, len(editors) - 1))].focus_first()

    async def add(self) -> None:
        """A phase after the last one: from its end, for a week (no dates without one)."""
        phases = self.read()
        start = max((span[1] for p in phases if (span := p.span())), default=None)
        new = PhaseForm()
        if start is not None:
            new.starts_at, new.ends_at = moments.show(start), moments.show(start + NEW_PHASE)
        editor = PhaseEditor(new, len(phases) + 1)
        await self.mount(editor)
        self.selected = len(phases)
        editor.focus_first()
        self.post_message(self.Changed())

    async def remove_selected(self) -> bool:
        """The phase holding the focus goes (what is typed in the others stays); False
        when none holds it."""
        editor = self.holding_focus()
        if editor is None:
            return False
        index = self.editors.index(editor)
        await editor.remove()
        self.renumber(min(index, len(self.editors) - 1))
        return True

    async def sort_by_date(self) -> None:
        """By start; phases without a start last, in their order. The focus stays with
        the phase it was in."""
        phases = self.read()
        order = sorted(range(len(phases)), key=lambda i: (
            (span := phases[i].span()) is None, span[0] if span else None, i))
        if order == list(range(len(phases))):
            return
        selected = order.index(self.selected) if self.selected is not None else 0
        await self.remove_children()
        await self.mount_all([PhaseEditor(phases[i], n) for n, i in enumerate(order, 1)])
        self.renumber(selected)

    def renumber(self, selected: int) -> None:
        editors = self.editors
        for number, editor in enumerate(editors, 1):
            editor.number(number)
        self.selected = selected if editors and selected >= 0 else None
        if self.selected is not None:
            editors[self.selected].focus_first()
        self.post_message(self.Changed())
