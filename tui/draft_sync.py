"""A signed-in person's drafts kept on the server as well (``/me/drafts``), so they
survive a dropped connection and follow the person to any desk; the copies here (files,
or memory in kiosk mode) stay what screens read and write, so typing never waits for
the network and the desktop app works offline.

- **Coalesced**: the stores tell ``DraftSync`` of each save (``saved``/``deleted``); a
  draft is sent ``delay`` seconds after its last save, or ``longest`` after its first
  unsent one while the typing goes on: one ``PUT`` per pause, not per key.
- **Two desks**: every write names the version this desk last saw (``If-Match``; a
  new key ``If-None-Match: *``). When another desk saved meanwhile (412, or both sides
  changed since the last sync at sign-in), neither text is lost: a submission draft
  stays here under its key and the other desk's version becomes a draft of its own
  (``LocalDrafts.keep_both``); an entry edit, one per entry, gets both merged, where
  they differ between markers. Where only one side changed, that side's is kept.
- **Deleted** here (posted, discarded): deleted there, unless another desk saved it
  since (then it comes back here). Gone there while unchanged here (posted or discarded
  elsewhere): gone here at the next sign-in.
- **Offline**: a failure that may pass (``tui.session.passing``) keeps everything
  pending (in ``SyncState``, on disk on the desktop) and says so once; the app tries
  again later. A draft the server refuses (too large, too many) is said once per kind
  and kept here.

No widgets and no timers: the app (``tui.syncing``) calls ``flush`` when ``next_due``
says, with its own clock; tests use a fake one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal, TypeVar

from client.errors import (
    ChallengeError,
    DraftConflict,
    DraftTooLarge,
    TooManyDrafts,
    Unauthorized,
)
from tui.draft_values import PREFIXES, LocalDrafts, Value, same
from tui.session import passing
from tui.sync_state import States, SyncState

if TYPE_CHECKING:
    from client.api import ChallengeClient
    from client.drafts_models import Draft as Kept

Event = Literal["offline", "too-large", "too-many", "refused", "kept-both"]
T = TypeVar("T")


class Offline(Exception):
    """The server could not be reached or is in trouble: try again later."""


class DraftSync:
    def __init__(self, local: LocalDrafts, states: States, user: int, *,
                 account: str | None = None, delay: float = 2.0, longest: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.local = local
        self.states = states
        self.user = user
        self.delay = delay
        self.longest = longest
        self.clock = clock
        self.state: SyncState = states.load(user)
        self.claimed = states.others(user)  # other people's, on this desk
        if account is not None and self.state.account != account:
            # Not the account these versions were of (the server's database is another
            # one now): nothing is known to be there, so every draft here is sent as new,
            # never taken for one posted or discarded elsewhere.
            self.state = SyncState(dirty=self.local.keys() - self.claimed, account=account)
            states.save(user, self.state)
        now = clock()
        # key: (first unsent save, last save), for the debounce
        self.pending: dict[str, tuple[float, float]] = {
            key: (now, now) for key in self.state.dirty | self.state.deleted}
        self.saves = 0  # counts saves: a draft saved while it was being sent is sent again
        self.generation: dict[str, int] = {}
        self.offline = False
        self.stopped = False
        self.events: list[tuple[Event, str]] = []  # what to tell the person; the app drains
        # Called at once when a draft here was changed (merged): an open editor reloads
        # it before its next save could write over the merge.
        self.replaced: Callable[[str], None] = lambda key: None
        self.lock = asyncio.Lock()

    # --- told by the stores -----------------------------------------------------------

    def saved(self, server: str, key: str) -> None:
        if server != self.local.server or self.stopped:
            return
        self.claimed.discard(key)
        fresh = key not in self.state.dirty or key in self.state.deleted
        self.state.deleted.discard(key)
        self.state.dirty.add(key)
        self._touch(key)
        if fresh:
            self._persist()

    def deleted(self, server: str | None, key: str) -> None:
        if server not in (None, self.local.server) or self.stopped:
            return
        self.state.dirty.discard(key)
        if key in self.state.versions:
            self.state.deleted.add(key)
            self._touch(key)
        else:  # never on the server (as far as this desk knows): nothing to send
            self.pending.pop(key, None)
        self._persist()

    def _touch(self, key: str) -> None:
        now = self.clock()
        first = self.pending.get(key, (now, now))[0]
        self.pending[key] = (first, now)
        self.saves += 1
        self.generation[key] = self.saves

    def _persist(self) -> None:
        self.states.save(self.user, self.state)

    # --- when --------------------------------------------------------------------------

    def due_at(self, key: str) -> float:
        first, last = self.pending[key]
        return min(last + self.delay, first + self.longest)

    def next_due(self) -> float | None:
        """Seconds until the next draft is due (0: now); None when nothing is pending."""
        if not self.pending:
            return None
        return max(0.0, min(self.due_at(k) for k in self.pending) - self.clock())

    # --- sending -----------------------------------------------------------------------

    async def flush(self, client: ChallengeClient, *, everything: bool = False) -> bool:
        """Send what is due (``everything``: all that is pending). False when the server
        could not be reached (all is kept, to send later)."""
        async with self.lock:
            now = self.clock()
            due = [k for k in sorted(self.pending) if everything or self.due_at(k) <= now]
            try:
                for key in due:
                    stamp = self.generation.get(key)
                    try:
                        await self._send(client, key)
                    except Offline:
                        return False
                    except ChallengeError as error:  # refused: kept here, said once
                        self.events.append((_refusal(error), key))
                        self.state.dirty.discard(key)
                        self.state.deleted.discard(key)
                    if self.generation.get(key) == stamp:  # not saved again meanwhile
                        self.pending.pop(key, None)
            finally:
                self._persist()
            self.offline = False
            return True

    async def _send(self, client: ChallengeClient, key: str) -> None:
        if key in self.state.deleted:
            await self._delete(client, key)
            return
        value = self.local.get(key)
        if value is None:  # deleted here before it was ever sent
            self.state.dirty.discard(key)
            return
        await self._put(client, key, value)
        if self.local.get(key) is None and key in self.state.versions:
            self.deleted(self.local.server, key)  # deleted here while it was on its way

    async def _delete(self, client: ChallengeClient, key: str) -> None:
        version = self.state.versions.get(key)
        try:
            if version is not None:
                await self._call(client.delete_draft(key, version=version, missing_ok=True))
        except DraftConflict as conflict:
            self.state.forget(key)
            if conflict.current is not None:  # saved at another desk since: kept
                self._take(key, conflict.current)
            return
        self.state.forget(key)

    async def _put(self, client: ChallengeClient, key: str, value: Value) -> None:
        for _ in range(3):  # a conflict resolved, then written again
            version = self.state.versions.get(key)
            try:
                kept = await self._call(client.put_draft(
                    key, value, version=version, create_only=version is None))
            except DraftConflict as conflict:
                current = conflict.current
                if current is None:  # gone there (posted or discarded elsewhere): again
                    self.state.versions.pop(key, None)
                elif same(value, current.value):
                    self.state.versions[key] = current.version
                    break
                else:
                    self._keep_both(key, value, current)
                    value = self.local.get(key) or value
                continue
            self.state.versions[key] = kept.version
            break
        self.state.dirty.discard(key)

    async def _call(self, call: Awaitable[T]) -> T:
        """Await a client call; a failure that may pass raises ``Offline`` (said once)."""
        try:
            return await call
        except ChallengeError as error:
            if isinstance(error, Unauthorized) or passing(error):
                if not self.offline:
                    self.offline = True
                    self.events.append(("offline", ""))
                raise Offline from error
            raise

    def _keep_both(self, key: str, mine: Value, theirs: Kept) -> None:
        mine = self.local.get(key) or mine  # as last saved (it may have been meanwhile)
        copy = self.local.keep_both(key, mine, theirs.value)
        if copy is None:
            self.replaced(key)
        self.state.versions[key] = theirs.version  # seen, and kept: written over now
        self.state.dirty.add(key)
        self.events.append(("kept-both", key))
        if copy is not None:
            self.state.dirty.add(copy)
            self._touch(copy)

    def _take(self, key: str, theirs: Kept) -> None:
        """The server's version, here (left alone if it is no draft of this app's)."""
        if self.local.put(key, theirs.value):
            self.state.versions[key] = theirs.version

    # --- at sign-in -------------------------------------------------------------------

    async def pull(self, client: ChallengeClient) -> bool:
        """Put the server's drafts and this desk's together, then send what is new
        here. False when the server could not be reached (tried again later)."""
        async with self.lock:
            try:
                remote: dict[str, Kept] = {}
                for prefix in PREFIXES:
                    async for kept in client.iter_drafts(prefix=prefix):
                        remote[kept.key] = kept
            except ChallengeError:
                if not self.offline:
                    self.offline = True
                    self.events.append(("offline", ""))
                return False
            mine = self.local.keys() - self.claimed
            for key in sorted(mine | set(remote) | self.state.keys()):
                if key in self.claimed and self.local.get(key) is not None:
                    continue  # another person's copy here (one entry, two people): theirs
                self._reconcile(key, self.local.get(key), remote.get(key))
            self._persist()
        return await self.flush(client, everything=True)

    def _reconcile(self, key: str, mine: Value | None, theirs: Kept | None) -> None:
        state, known = self.state, self.state.versions.get(key)
        if key in state.deleted:
            if theirs is None:
                self._forget(key)
            elif theirs.version != known:  # deleted here, but saved elsewhere since
                self._forget(key)
                self._take(key, theirs)
            return  # else: deleted there too when sent
        if theirs is None:
            if mine is None:
                self._forget(key)
            elif known is not None and key not in state.dirty:
                self.local.remove(key)  # posted or discarded at another desk
                self._forget(key)
            else:
                state.versions.pop(key, None)
                self._mark(key)
        elif mine is None or (known is not None and known != theirs.version
                              and key not in state.dirty):
            self._forget(key)
            self._take(key, theirs)  # new, or changed only elsewhere
        elif same(mine, theirs.value):
            state.versions[key] = theirs.version
            state.dirty.discard(key)
            self.pending.pop(key, None)
        elif known == theirs.version:
            self._mark(key)  # changed only here
        else:
            self._keep_both(key, mine, theirs)
            self._touch(key)

    def _mark(self, key: str) -> None:
        self.state.dirty.add(key)
        self._touch(key)

    def _forget(self, key: str) -> None:
        self.state.forget(key)
        self.pending.pop(key, None)

    def take_events(self) -> list[tuple[Event, str]]:
        events, self.events = self.events, []
        return events


def _refusal(error: ChallengeError) -> Event:
    if isinstance(error, DraftTooLarge):
        return "too-large"
    if isinstance(error, TooManyDrafts):
        return "too-many"
    return "refused"
