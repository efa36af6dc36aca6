"""Drafts kept in memory only, for kiosk mode (``tui.kiosk``): nothing of one person is
written where the next could read it. They last as long as the app.

The seam for drafts kept on the server (``/api/v1/me/drafts``): a store with these
methods, handed out by the kiosk's ``draft_store`` and ``entry_draft_store``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

from tui.drafts import Draft, DraftStore
from tui.entry_drafts import EntryDraft, EntryDraftStore

NOWHERE = Path("/nonexistent")  # never written: every method below is overridden


class MemoryDraftStore(DraftStore):
    """``DraftStore`` without the files: copies in, copies out, as a file would be."""

    def __init__(self) -> None:
        super().__init__(NOWHERE)
        self.drafts: dict[str, Draft] = {}

    def save(self, draft: Draft) -> None:
        draft.updated_at = datetime.now(UTC).isoformat()
        self.drafts[draft.id] = copy.deepcopy(draft)

    def load(self, draft_id: str) -> Draft | None:
        draft = self.drafts.get(draft_id)
        return copy.deepcopy(draft) if draft is not None else None

    def all(self, server: str | None = None) -> list[Draft]:
        drafts = [copy.deepcopy(d) for d in self.drafts.values()
                  if server is None or d.server == server]
        return sorted(drafts, key=lambda d: d.updated_at, reverse=True)

    def delete(self, draft_id: str) -> None:
        self.drafts.pop(draft_id, None)


class MemoryEntryDraftStore(EntryDraftStore):
    """``EntryDraftStore`` without the files."""

    def __init__(self) -> None:
        super().__init__(NOWHERE)
        self.drafts: dict[tuple[str, int], EntryDraft] = {}

    def save(self, draft: EntryDraft) -> None:
        draft.updated_at = datetime.now(UTC).isoformat()
        self.drafts[draft.server, draft.entry_id] = copy.deepcopy(draft)

    def load(self, server: str, entry_id: int) -> EntryDraft | None:
        draft = self.drafts.get((server, entry_id))
        return copy.deepcopy(draft) if draft is not None else None

    def delete(self, server: str, entry_id: int) -> None:
        self.drafts.pop((server, entry_id), None)
