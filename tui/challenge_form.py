"""The challenge set-up form as data: what an admin typed, kept as typed; the
``ChallengeCreate`` or ``ChallengeUpdate`` built from it with the wire models' own
checks; and every field error (the form's, the models', the server's 422) named by the
form field it belongs to, e.g. ``phases.1.ends_at`` for the second phase's end.

Plain logic (no widgets): tests build forms and read errors without a terminal.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from pydantic import ValidationError

from client.models import (
    Challenge,
    ChallengeCreate,
    ChallengeUpdate,
    FieldError,
    Kind,
    ModerationMode,
    Phase,
    PhaseIn,
    field_error,
)
from tui import moments

KINDS: tuple[Kind, ...] = get_args(Kind)
MODERATION: tuple[ModerationMode, ...] = get_args(ModerationMode)
QUESTIONS: dict[str, str] = {"story": "What solutions work?",
                             "idea": "What solutions should we test?"}
# What the models' terse messages mean to the admin filling the form in.
FRIENDLIER = {
    "slug": ("String should match pattern", "lower-case letters, digits and dashes, "
             "e.g. staff-ideas-2027"),
    "prompts": ("List should have at least 1", "ask at least one question"),
}


def phase_flags() -> list[str]:
    """The phase's yes/no fields, as the wire model declares them: a flag added there
    shows in the form without a change here."""
    return [name for name, info in PhaseIn.model_fields.items() if info.annotation is bool]


def default_flags() -> dict[str, bool]:
    return {name: bool(PhaseIn.model_fields[name].default) for name in phase_flags()}


@dataclass
class PhaseForm:
    name: str = ""
    starts_at: str = ""
    ends_at: str = ""
    flags: dict[str, bool] = field(default_factory=default_flags)
    vote_budget: str = ""

    @classmethod
    def of(cls, phase: Phase) -> PhaseForm:
        flags = {name: bool(getattr(phase, name, default))
                 for name, default in default_flags().items()}
        return cls(phase.name, moments.show(phase.starts_at), moments.show(phase.ends_at),
                   flags, "" if phase.vote_budget is None else str(phase.vote_budget))

    def span(self) -> tuple[datetime, datetime] | None:
        """Its start and end when both are times (for the timeline), else None."""
        try:
            return moments.parse(self.starts_at), moments.parse(self.ends_at)
        except ValueError:
            return None


@dataclass
class PromptForm:
    kind: Kind
    question: str = ""
    description: str = ""


@dataclass
class ChallengeForm:
    slug: str = ""
    title: str = ""
    summary: str = ""
    themes: str = ""  # one a line
    moderation: ModerationMode = "post"
    anonymous_default: bool = False
    prompts: list[PromptForm] = field(default_factory=list)  # one a kind, in KINDS order
    phases: list[PhaseForm] = field(default_factory=list)

    @classmethod
    def new(cls) -> ChallengeForm:
        return cls(prompts=[PromptForm(kind, QUESTIONS.get(kind, "")) for kind in KINDS])

    @classmethod
    def of(cls, challenge: Challenge) -> ChallengeForm:
        asked = {p.kind: p for p in challenge.prompts}
        return cls(challenge.slug, challenge.title, challenge.summary,
                   "\n".join(challenge.themes), challenge.moderation,
                   challenge.anonymous_default,
                   [PromptForm(kind, asked[kind].question, asked[kind].description)
                    if kind in asked else PromptForm(kind) for kind in KINDS],
                   [PhaseForm.of(p) for p in sorted(challenge.phases,
                                                    key=lambda p: p.starts_at)])

    def theme_list(self) -> list[str]:
        return [line.strip() for line in self.themes.splitlines() if line.strip()]


class FormInvalid(Exception):
    """The form cannot be sent as it is: ``errors`` by form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Built:
    body: ChallengeCreate | ChallengeUpdate
    prompt_rows: list[int]  # the sent prompt i is the form's prompt prompt_rows[i]

    def locate(self, errors: Iterable[FieldError]) -> dict[str, str]:
        """The server's field errors by form field (first message for each)."""
        return _collect(errors, self.prompt_rows)


def build(form: ChallengeForm, *, creating: bool) -> Built:
    """The request for ``form``, checked by the wire models; FormInvalid otherwise."""
    errors: dict[str, str] = {}
    phases = [_phase_body(i, phase, errors) for i, phase in enumerate(form.phases)]
    _overlaps(form.phases, errors)
    rows = [i for i, p in enumerate(form.prompts) if p.question.strip() or p.description.strip()]
    body: dict[str, Any] = {
        "title": form.title, "summary": form.summary, "themes": form.theme_list(),
        "moderation": form.moderation, "anonymous_default": form.anonymous_default,
        "phases": phases,
        "prompts": [{"kind": form.prompts[i].kind, "question": form.prompts[i].question,
                     "description": form.prompts[i].description} for i in rows]}
    model: type[ChallengeCreate | ChallengeUpdate] = ChallengeUpdate
    if creating:
        body["slug"], model = form.slug.strip(), ChallengeCreate
    try:
        built = model.model_validate(body)
    except ValidationError as error:
        found = _collect((field_error(e) for e in error.errors()), rows)
        if any(k.startswith("phases.") and "overlap" in v for k, v in errors.items()):
            found.pop("phases", None)  # said at the later phase's start already
        for key, message in found.items():
            errors.setdefault(key, message)
    if errors:
        raise FormInvalid(errors)
    return Built(built, rows)


def _phase_body(index: int, phase: PhaseForm, errors: dict[str, str]) -> dict[str, Any]:
    """What PhaseIn gets; a time or budget that cannot be read is said at its field (and
    the text passed on, so the model's other checks still run)."""
    body: dict[str, Any] = {"name": phase.name, **phase.flags, "vote_budget": None}
    for name in ("starts_at", "ends_at"):
        text = getattr(phase, name)
        try:
            body[name] = moments.parse(text)
        except ValueError as error:
            errors[f"phases.{index}.{name}"] = str(error)
            body[name] = text
    budget = phase.vote_budget.strip()
    if budget:
        if budget.isascii() and budget.isdigit():
            body["vote_budget"] = int(budget)
        else:
            errors[f"phases.{index}.vote_budget"] = "a whole number of supports, or blank " \
                                                    "for no limit"
    return body


def _overlaps(phases: list[PhaseForm], errors: dict[str, str]) -> None:
    """Overlapping phases, said at the later one's start (the model says it of the whole
    list)."""
    spans = sorted(((span, i) for i, p in enumerate(phases) if (span := p.span())),
                   key=lambda item: item[0][0])
    for (earlier, i), (later, j) in itertools.pairwise(spans):
        if later[0] < earlier[1]:
            name = " ".join(phases[i].name.split()) or f"phase {i + 1}"
            errors.setdefault(f"phases.{j}.starts_at",
                              f"overlaps {name!r}, which ends "
                              f"{moments.show(earlier[1])}")


def _collect(errors: Iterable[FieldError], prompt_rows: list[int]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        key = _form_field(error.field, error.message, prompt_rows)
        message = _friendlier(key, error.message)
        if key.startswith("themes.") and key != "themes":
            key, message = "themes", f"theme {int(key.split('.')[1]) + 1}: {message}"
        found.setdefault(key, message)
    return found


def _form_field(name: str, message: str, prompt_rows: list[int]) -> str:
    """The form field a wire field name (indexes as sent) belongs to."""
    parts = name.split(".")
    if parts[0] == "phases" and len(parts) >= 2 and parts[1].isdigit():
        # A rule on a whole phase is about its times: said at its end. A field this
        # client does not know stays as named (the screen says it in its message line).
        return name if len(parts) > 2 else f"phases.{parts[1]}.ends_at"
    if parts[0] == "prompts" and len(parts) >= 2 and parts[1].isdigit():
        sent = int(parts[1])
        row = prompt_rows[sent] if sent < len(prompt_rows) else sent
        tail = parts[2] if len(parts) > 2 and parts[2] in ("question", "description") \
            else "question"
        return f"prompts.{row}.{tail}"
    if parts[0] in ("", "body"):  # a rule across fields: which list it is about
        return ("phases" if "phase" in message else
                "prompts" if "prompt" in message else "form")
    return name


def _friendlier(key: str, message: str) -> str:
    start, better = FRIENDLIER.get(key, ("", ""))
    return better if start and message.startswith(start) else message


def first(errors: Mapping[str, str], order: Iterable[str]) -> str | None:
    """The first field in ``order`` (the form's, top to bottom) that has an error."""
    return next((key for key in order if key in errors), None)
