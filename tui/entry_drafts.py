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

from tui.drafts import Listener, drafts_dir, write_json


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


def entry_key(entry_id: int) -> str:
    """The edit's key on the server (``/me/drafts``)."""
    return f"entry:{entry_id}"


def server_hash(server: str) -> str:
    """The server's address is not a file name: a short hash of it is."""
    return hashlib.sha256(server.encode()).hexdigest()[:16]


class EntryDraftStore:
    """As ``DraftStore``: ``save``/``delete`` for screens, ``keep``/``remove`` for the sync."""

    listener: Listener | None = None

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or entry_drafts_dir()

    def _path(self, server: str, entry_id: int) -> Path:
        return self.directory / f"{server_hash(server)}-{entry_id}.json"

    def save(self, draft: EntryDraft) -> None:
        draft.updated_at = datetime.now(UTC).isoformat()
        self.keep(draft)
        if self.listener is not None:
            self.listener.saved(draft.server, entry_key(draft.entry_id))

    def keep(self, draft: EntryDraft) -> None:
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

    def all(self, server: str) -> list[EntryDraft]:
        """The edits in progress at ``server``."""
        if not self.directory.is_dir():
            return []
        found = (self.load(server, int(p.stem.rpartition("-")[2]))
                 for p in self.directory.glob(f"{server_hash(server)}-*.json")
                 if p.stem.rpartition("-")[2].isdigit())
        return [d for d in found if d is not None]

    def delete(self, server: str, entry_id: int) -> None:
        if self.listener is not None:
            self.listener.deleted(server, entry_key(entry_id))
        self.remove(server, entry_id)

    def remove(self, server: str, entry_id: int) -> None:
        self._path(server, entry_id).unlink(missing_ok=True)
