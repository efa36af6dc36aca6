"""Edits of guide entries kept on disk as they are typed, as submission drafts are
(``tui.drafts``): a crash, a closed terminal or a refused edit loses nothing.

One file per (server, entry): an entry has at most one edit in progress here. The
draft remembers the version it started from and that version's text, so when it is
sent late (after a crash, a day later) and someone else has edited meanwhile, the
three-way merge has its base.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tui.drafts import drafts_dir, write_json


def entry_drafts_dir() -> Path:
    return drafts_dir().parent / "entry-drafts"


@dataclass
class EntryDraft:
    server: str
    entry_id: int
    base_version: int  # the version this edit started from: sent as If-Match
    base_text: str  # that version's text, the merge's base
    text: str  # what the person has typed
    title: str = ""  # the entry's title, to say which entry the draft is for
    # The title at ``base_version``, when ``title`` is being edited too (None: the title
    # was not part of the edit, as in drafts written before titles were editable).
    base_title: str | None = None
    updated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def changed(self) -> bool:
        return self.text != self.base_text


class EntryDraftStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or entry_drafts_dir()

    def _path(self, server: str, entry_id: int) -> Path:
        # The server's address is not a file name: a short hash of it is.
        where = hashlib.sha256(server.encode()).hexdigest()[:16]
        return self.directory / f"{where}-{entry_id}.json"

    def save(self, draft: EntryDraft) -> None:
        draft.updated_at = datetime.now(UTC).isoformat()
        write_json(self._path(draft.server, draft.entry_id), asdict(draft))

    def load(self, server: str, entry_id: int) -> EntryDraft | None:
        """The edit in progress on that entry; None when there is none (or it is
        unreadable: a half-written file never is, see ``write_json``)."""
        try:
            data = json.loads(self._path(server, entry_id).read_text(encoding="utf-8"))
            draft = EntryDraft(**data)
        except (OSError, ValueError, TypeError):
            return None
        return draft if draft.server == server and draft.entry_id == entry_id else None

    def delete(self, server: str, entry_id: int) -> None:
        self._path(server, entry_id).unlink(missing_ok=True)
