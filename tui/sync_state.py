"""What a desk remembers of its drafts on the server, per person: the version of each
it last saw (sent as ``If-Match``, so another desk's save is never overwritten unseen),
and what changed here that the server has not heard of yet (so a desk offline, even
closed and started again, sends it when the server is back).

The desktop app keeps it in a file per server (``FileStates``), one section per person:
the drafts on one computer account are that account's, but a draft another person
synced from here is not sent to the next one who signs in (``others``). Kiosk mode keeps
it in memory (``MemoryStates``), forgotten at sign-out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tui.drafts import write_json
from tui.entry_drafts import server_hash


@dataclass
class SyncState:
    versions: dict[str, int] = field(default_factory=dict)  # key: the version last seen
    dirty: set[str] = field(default_factory=set)  # saved here, not yet on the server
    deleted: set[str] = field(default_factory=set)  # deleted here, not yet there
    # Which account on the server the versions are of (its creation time): a server
    # whose database was replaced (a demo re-seeded, a restore) has the same ids anew.
    account: str | None = None

    def keys(self) -> set[str]:
        return set(self.versions) | self.dirty | self.deleted

    def forget(self, key: str) -> None:
        self.versions.pop(key, None)
        self.dirty.discard(key)
        self.deleted.discard(key)

    def to_json(self) -> dict[str, object]:
        return {"versions": self.versions, "dirty": sorted(self.dirty),
                "deleted": sorted(self.deleted), "account": self.account}

    @classmethod
    def from_json(cls, data: object) -> SyncState:
        """Whatever is unreadable is forgotten (the next sign-in compares afresh)."""
        if not isinstance(data, dict):
            return cls()
        versions = data.get("versions")
        dirty, deleted = data.get("dirty"), data.get("deleted")
        return cls(
            versions={k: v for k, v in versions.items() if isinstance(k, str)
                      and isinstance(v, int)} if isinstance(versions, dict) else {},
            dirty={k for k in dirty if isinstance(k, str)} if isinstance(dirty, list)
            else set(),
            deleted={k for k in deleted if isinstance(k, str)} if isinstance(deleted, list)
            else set(),
            account=account if isinstance(account := data.get("account"), str) else None)


class States(Protocol):
    def load(self, user: int) -> SyncState: ...

    def save(self, user: int, state: SyncState) -> None: ...

    def others(self, user: int) -> set[str]:
        """The keys other people synced from here: never sent as this person's."""
        ...


class MemoryStates:
    def __init__(self) -> None:
        self.states: dict[int, SyncState] = {}

    def load(self, user: int) -> SyncState:
        return self.states.setdefault(user, SyncState())

    def save(self, user: int, state: SyncState) -> None:
        self.states[user] = state

    def others(self, user: int) -> set[str]:
        return set().union(*(s.keys() for u, s in self.states.items() if u != user))

    def clear(self) -> None:
        self.states.clear()


class FileStates:
    """One JSON file per server next to the drafts, written atomically."""

    def __init__(self, directory: Path, server: str) -> None:
        self.path = directory / f"{server_hash(server)}.json"

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, user: int) -> SyncState:
        return SyncState.from_json(self._read().get(str(user)))

    def save(self, user: int, state: SyncState) -> None:
        data = self._read()
        data[str(user)] = state.to_json()
        write_json(self.path, data)

    def others(self, user: int) -> set[str]:
        return set().union(*(SyncState.from_json(section).keys()
                             for who, section in self._read().items() if who != str(user)))
