"""Drafts kept in memory only, for kiosk mode (``tui.kiosk``): nothing of one person is
written where the next could read it. They last as long as the app, or until the person
signs out (``clear``); a signed-in person's are kept on the server too
(``tui.draft_sync``), so they are back at the next sign-in.
"""

from __future__ import annotations

import copy
from pathlib import Path

from tui.drafts import Draft, DraftStore
from tui.entry_drafts import EntryDraft, EntryDraftStore

NOWHERE = Path("/nonexistent")  # never written: every method below is overridden


class MemoryDraftStore(DraftStore):
    """``DraftStore`` without the files: copies in, copies out, as a file would be."""

    def __init__(self) -> None:
        super().__init__(NOWHERE)
        self.drafts: dict[str, Draft] = {}

    def keep(self, draft: Draft) -> None:
        self.drafts[draft.id] = copy.deepcopy(draft)

    def load(self, draft_id: str) -> Draft | None:
        draft = self.drafts.get(draft_id)
        return copy.deepcopy(draft) if draft is not None else None

    def all(self, server: str | None = None) -> list[Draft]:
        drafts = [copy.deepcopy(d) for d in self.drafts.values()
                  if server is None or d.server == server]
        return sorted(drafts, key=lambda d: d.updated_at, reverse=True)

    def remove(self, draft_id: str) -> None:
        self.drafts.pop(draft_id, None)

    def clear(self) -> None:
        self.drafts.clear()


class MemoryEntryDraftStore(EntryDraftStore):
    """``EntryDraftStore`` without the files."""

    def __init__(self) -> None:
        super().__init__(NOWHERE)
        self.drafts: dict[tuple[str, int], EntryDraft] = {}

    def keep(self, draft: EntryDraft) -> None:
        self.drafts[draft.server, draft.entry_id] = copy.deepcopy(draft)

    def load(self, server: str, entry_id: int) -> EntryDraft | None:
        draft = self.drafts.get((server, entry_id))
        return copy.deepcopy(draft) if draft is not None else None

    def all(self, server: str) -> list[EntryDraft]:
        return [copy.deepcopy(d) for (where, _), d in self.drafts.items() if where == server]

    def remove(self, server: str, entry_id: int) -> None:
        self.drafts.pop((server, entry_id), None)

    def clear(self) -> None:
        self.drafts.clear()
