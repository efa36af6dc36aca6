"""Editing a guide entry's text, without widgets: which draft the editor opens (a saved
one resumed, or a new one from the entry), what an edit changes, and what to say about
a resumed draft. The editor screen (``tui.screens.entry_editor``) draws it.

An edit names the version it began from (``EntryDraft.base_version``, sent as
``If-Match``); its text and title are compared with that version's to know what to send.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from pydantic import ValidationError

from client.fields import MAX_TITLE
from client.guide_models import MAX_ENTRY_BODY, EntryUpdate
from client.merge3 import merge
from client.models import FieldError, field_error
from client.privacy import Finding, find_personal_data
from client.text import clean_text
from tui.entry_drafts import EntryDraft, EntryDraftStore
from tui.text import local_time

if TYPE_CHECKING:
    from client.guide_models import GuideEntry


@dataclass(frozen=True)
class Opened:
    draft: EntryDraft
    resumed: bool  # a saved edit in progress, not a fresh one


def fresh_draft(server: str, entry: GuideEntry) -> EntryDraft:
    """An edit beginning now from ``entry`` as it is (a new entry: the server's template)."""
    return EntryDraft(server=server, entry_id=entry.id, base_version=entry.version,
                      base_text=entry.body, text=entry.body, title=entry.title,
                      base_title=entry.title)


def base_title(draft: EntryDraft) -> str:
    """The title at the draft's base version (a draft without one never changed it)."""
    return draft.title if draft.base_title is None else draft.base_title


def is_changed(draft: EntryDraft) -> bool:
    return draft.text != draft.base_text or draft.title != base_title(draft)


def open_draft(store: EntryDraftStore, server: str, entry: GuideEntry) -> Opened:
    """The edit in progress on ``entry`` at ``server`` if one is saved and changes
    anything; else a fresh one. A saved draft that changes nothing is forgotten."""
    saved = store.load(server, entry.id)
    if saved is not None and is_changed(saved):
        if saved.base_title is None:
            saved = replace(saved, base_title=saved.title)
        return Opened(saved, resumed=True)
    if saved is not None:
        store.delete(server, entry.id)
    return Opened(fresh_draft(server, entry), resumed=False)


class Changes(NamedTuple):
    """What the edit sends: the title and the body, each only if it changed (else None)."""

    title: str | None
    body: str | None


def changes(draft: EntryDraft) -> Changes:
    return Changes(draft.title if draft.title != base_title(draft) else None,
                   draft.text if draft.text != draft.base_text else None)


def resumed_note(draft: EntryDraft, entry: GuideEntry, now: datetime) -> str:
    """What the editor says above a resumed draft."""
    try:
        when = local_time(datetime.fromisoformat(draft.updated_at), now)
    except ValueError:
        when = "earlier"
    note = f"Your unsent edit, last typed {when}, is back (begun at version " \
           f"{draft.base_version})."
    if entry.version > draft.base_version:
        note += (f" The entry is at version {entry.version} now: saving shows what changed "
                 "and merges both.")
    return note


def new_findings(draft: EntryDraft) -> list[Finding]:
    """What looks like personal data in the edit that was not in the text it began from
    (so an old finding does not ask again at every edit)."""
    before = {f.text for f in find_personal_data(f"{base_title(draft)}\n{draft.base_text}")}
    return [f for f in find_personal_data(f"{draft.title}\n{draft.text}")
            if f.text not in before]


def absorbed(shown: EntryDraft, title: str, text: str, merged: EntryDraft) -> EntryDraft:
    """What an open editor holds once another desk's edit was merged into its saved
    draft (``merged``): the keys typed since ``shown`` was saved are kept too."""
    if text != shown.text:
        text = merge(shown.text, text, merged.text).with_markers("this desk", "another desk")
    else:
        text = merged.text
    return replace(merged, text=text, title=merged.title if title == shown.title else title)


# --- what an edit may hold ------------------------------------------------------------

LIMITS = {"title": MAX_TITLE, "body": MAX_ENTRY_BODY}
NAMES = {"title": "title", "body": "text"}
HOLDS = {"title": "a title holds", "body": "an entry holds"}
KEPT = "your edit is kept."
_VERBS = ("must", "is ", "contains", "cannot", "has ")


def counter(field: str, text: str) -> str:
    """'12,345 / 20,000': how long ``text`` is, and how long ``field`` may be."""
    return f"{len(text):,} / {LIMITS[field]:,}"


def over(field: str, text: str) -> bool:
    return len(text) > LIMITS[field]


def too_long(field: str, text: str) -> str | None:
    """What to say when ``text`` is longer than ``field`` holds (as the server counts:
    after control characters are taken out), else None."""
    size, most = len(clean_text(text)), LIMITS[field]
    if size <= most:
        return None
    return (f"The {NAMES[field]} is {size:,} characters; {HOLDS[field]} at most {most:,}. "
            f"Shorten it; {KEPT}")


def sentence(field: str, message: str, text: str) -> str:
    """A refusal of ``field`` (``text`` as sent) as a sentence a person can act on: the
    wire's "must not be blank" becomes "The title must not be blank. Your edit is kept."."""
    if (long := too_long(field, text)) is not None:
        return long
    name = NAMES.get(field, field)
    message = message.strip().rstrip(".") or "is not valid"
    said = (f"The {name} {message}" if message.startswith(_VERBS)
            else f"The {name}: {message}")
    return f"{said}. {KEPT[0].upper()}{KEPT[1:]}"


def sentences(errors: list[FieldError], draft: EntryDraft) -> dict[str, str]:
    """Field errors (the client's checks, the server's 422) about the title and the text
    as sentences, by field; errors about anything else are left out."""
    values = {"title": draft.title, "body": draft.text}
    found: dict[str, str] = {}
    for error in errors:
        field = error.field.split(".")[0]
        if field in values and field not in found:
            found[field] = sentence(field, error.message, values[field])
    return found


def problems(draft: EntryDraft) -> dict[str, str]:
    """What is wrong with the edit by the wire's rules (a length first), by field, as
    sentences: checked before anything else on saving, so nothing is asked or sent
    about an edit that cannot be saved."""
    found = {field: said for field, text in (("title", draft.title), ("body", draft.text))
             if (said := too_long(field, text)) is not None}
    title, body = changes(draft)
    try:
        EntryUpdate(title=title, body=body)
    except ValidationError as invalid:
        return sentences([field_error(e) for e in invalid.errors()], draft) | found
    return found
