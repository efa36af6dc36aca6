"""Drafts kept on disk as you type, so a crash or a lost network loses nothing.

One JSON file per draft in the user data directory, written atomically (a
temporary file, fsync, rename), so a kill mid-write leaves the previous version.
A post that failed for the network stays queued with its idempotency key, so
sending it again can never post it twice.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

import platformdirs

DraftState = Literal["draft", "queued"]


def drafts_dir() -> Path:
    return Path(platformdirs.user_data_dir("change-challenge", appauthor=False)) / "drafts"


@dataclass
class Draft:
    server: str
    challenge: str
    kind: str
    title: str = ""
    body: str = ""
    themes: list[str] = field(default_factory=list)
    anonymous: bool | None = None
    editing: int | None = None  # the submission being edited, if any
    state: DraftState = "draft"
    error: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    idempotency_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    updated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def is_empty(self) -> bool:
        return not self.title.strip() and not self.body.strip()


def write_json(path: Path, data: object) -> None:
    """``data`` to ``path`` atomically: the old file stays whole until the new one is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".draft-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Listener(Protocol):
    """Told of every save and delete a screen makes (``tui.draft_sync``: the copy on the
    server follows). ``server`` None: not known (the draft was gone already)."""

    def saved(self, server: str, key: str) -> None: ...

    def deleted(self, server: str | None, key: str) -> None: ...


def submission_key(draft_id: str) -> str:
    """The draft's key on the server (``/me/drafts``)."""
    return f"submission:{draft_id}"


class DraftStore:
    """``save`` and ``delete`` are what screens call (the listener hears of them);
    ``keep`` and ``remove`` change the copy here only, as the sync does."""

    listener: Listener | None = None

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or drafts_dir()

    def _path(self, draft_id: str) -> Path:
        return self.directory / f"{draft_id}.json"

    def save(self, draft: Draft) -> None:
        draft.updated_at = datetime.now(UTC).isoformat()
        self.keep(draft)
        if self.listener is not None:
            self.listener.saved(draft.server, submission_key(draft.id))

    def keep(self, draft: Draft) -> None:
        """``draft`` as it is (its ``updated_at`` too), telling no one."""
        write_json(self._path(draft.id), asdict(draft))

    def load(self, draft_id: str) -> Draft | None:
        try:
            return Draft(**json.loads(self._path(draft_id).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def all(self, server: str | None = None) -> list[Draft]:
        """Newest first; unreadable files are skipped, not fatal."""
        if not self.directory.is_dir():
            return []
        drafts = [d for p in self.directory.glob("*.json") if (d := self.load(p.stem))]
        if server is not None:
            drafts = [d for d in drafts if d.server == server]
        return sorted(drafts, key=lambda d: d.updated_at, reverse=True)

    def delete(self, draft_id: str) -> None:
        if self.listener is not None:
            draft = self.load(draft_id)
            self.listener.deleted(draft.server if draft else None, submission_key(draft_id))
        self.remove(draft_id)

    def remove(self, draft_id: str) -> None:
        self._path(draft_id).unlink(missing_ok=True)
