"""What the app keeps on the server for a draft (``/me/drafts``): the keys, the values,
the local copies they stand for, and what two desks' versions of one draft become.

- ``submission:<draft id>``: a submission being written or a post queued to send, the
  ``Draft`` as JSON, its idempotency key with it (so a post sent again from any desk is
  still done once).
- ``entry:<entry id>``: an edit of a guide entry in progress, the ``EntryDraft`` as JSON
  (its base version and text with it, for the three-way merge when it is sent late).

No widgets, no network: ``tui.draft_sync`` does the sending.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from typing import Any

from pydantic import TypeAdapter, ValidationError

from client.merge3 import merge
from tui.drafts import Draft, DraftStore, submission_key
from tui.entry_drafts import EntryDraft, EntryDraftStore, entry_key

Value = dict[str, Any]
SUBMISSION = "submission:"
ENTRY = "entry:"
PREFIXES = (SUBMISSION, ENTRY)
_DRAFT = TypeAdapter(Draft)
_ENTRY_DRAFT = TypeAdapter(EntryDraft)


def same(a: Value | None, b: object) -> bool:
    """The same draft, whenever each was saved (a save that changed nothing)."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return a is None and b is None
    return {**a, "updated_at": None} == {**b, "updated_at": None}


def submission_draft(value: object, server: str) -> Draft | None:
    """The draft a value stands for (None: not one), as a draft for ``server``."""
    try:
        draft = _DRAFT.validate_python(value)
    except ValidationError:
        return None
    return replace(draft, server=server)


def entry_draft(value: object, server: str) -> EntryDraft | None:
    try:
        draft = _ENTRY_DRAFT.validate_python(value)
    except ValidationError:
        return None
    return replace(draft, server=server)


def copy_of(draft: Draft) -> Draft:
    """Another desk's version of a draft, as a draft of its own here. A queued post
    keeps its idempotency key (it may have been sent already: sent again, it is done
    once); a draft gets a new one, so posting both posts both."""
    return replace(draft, id=uuid.uuid4().hex,
                   idempotency_key=(draft.idempotency_key if draft.state == "queued"
                                    else uuid.uuid4().hex))


def merged_entry(mine: EntryDraft, theirs: EntryDraft) -> EntryDraft:
    """Two desks' edits of one entry as one edit, neither text lost: the changes each
    made to different lines both kept, where both changed the same lines both versions
    between git-style markers (the editor's save refuses markers left in). ``mine``'s
    base is kept: a newer entry is merged in when the edit is sent, as always."""
    text = merge(mine.base_text, mine.text, theirs.text).with_markers(
        "this desk", "another desk")
    base_title = mine.title if mine.base_title is None else mine.base_title
    title = theirs.title if mine.title == base_title else mine.title
    return replace(mine, text=text, title=title,
                   updated_at=max(mine.updated_at, theirs.updated_at))


class LocalDrafts:
    """This desk's copies of one server's drafts (files, or memory in kiosk mode), by
    key. Written with ``keep``/``remove``: the sync's own changes are not news to it."""

    def __init__(self, server: str, drafts: DraftStore, entries: EntryDraftStore) -> None:
        self.server = server
        self.drafts = drafts
        self.entries = entries

    def keys(self) -> set[str]:
        return ({submission_key(d.id) for d in self.drafts.all(self.server)}
                | {entry_key(d.entry_id) for d in self.entries.all(self.server)})

    def get(self, key: str) -> Value | None:
        if key.startswith(SUBMISSION):
            draft = self.drafts.load(key.removeprefix(SUBMISSION))
            if draft is not None and draft.server == self.server:
                return asdict(draft)
        elif (entry_id := entry_id_of(key)) is not None:
            edit = self.entries.load(self.server, entry_id)
            if edit is not None:
                return asdict(edit)
        return None

    def put(self, key: str, value: object) -> bool:
        """Keep the server's ``value`` here under ``key``; False when it is not a draft
        this app wrote (it is left alone)."""
        if key.startswith(SUBMISSION):
            draft = submission_draft(value, self.server)
            if draft is None or submission_key(draft.id) != key:
                return False
            self.drafts.keep(draft)
            return True
        edit = entry_draft(value, self.server)
        if edit is None or entry_key(edit.entry_id) != key:
            return False
        self.entries.keep(edit)
        return True

    def remove(self, key: str) -> None:
        if key.startswith(SUBMISSION):
            self.drafts.remove(key.removeprefix(SUBMISSION))
        elif (entry_id := entry_id_of(key)) is not None:
            self.entries.remove(self.server, entry_id)

    def keep_both(self, key: str, mine: Value, theirs: object) -> str | None:
        """Another desk changed this draft too. A submission draft: this desk's stays
        under ``key`` (an editor here may have it open), the other's becomes a draft of
        its own, whose key is returned. An entry edit (one per entry): both merged into
        this desk's (None returned)."""
        if key.startswith(SUBMISSION):
            other = submission_draft(theirs, self.server)
            if other is None:
                return None
            copy = copy_of(other)
            self.drafts.keep(copy)
            return submission_key(copy.id)
        here = entry_draft(mine, self.server)
        other_edit = entry_draft(theirs, self.server)
        if here is not None and other_edit is not None:
            self.entries.keep(merged_entry(here, other_edit))
        return None


def entry_id_of(key: str) -> int | None:
    number = key.removeprefix(ENTRY)
    return int(number) if key.startswith(ENTRY) and number.isdigit() else None
