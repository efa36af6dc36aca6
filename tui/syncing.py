"""The app's side of drafts on the server (``tui.draft_sync``): which stores screens get,
when the sync runs (a timer after each pause in typing, a worker to send; never in a
screen's way), and what the person is told (once, not per failed try).

The desktop app keeps its files and a ``tui.sync_state`` file beside them; kiosk mode
(``tui.kiosk``) keeps both in memory and forgets them at sign-out.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from tui.navigation import Navigation

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.draft_sync import DraftSync, Event
    from tui.drafts import DraftStore
    from tui.entry_drafts import EntryDraftStore
    from tui.session import Session
    from tui.sync_state import States

RETRY_AFTER = (5.0, 15.0, 30.0, 60.0)  # seconds, while the server cannot be reached
LAST_FLUSH = 5.0  # seconds the app waits at sign-out or exit to send what is pending

TOLD: dict[str, str] = {
    "offline": "The server cannot be reached: your drafts are kept {where} and sent "
               "when it is back.",
    "too-large": "A draft is larger than the server keeps: it is kept {where} only.",
    "too-many": "You have as many drafts as the server keeps: new ones are kept {where} "
                "only. Post or discard some.",
    "refused": "The server did not keep a draft: it is kept {where} only.",
}
BOTH_KEPT = {
    "submission": "A draft was changed at another desk too: both are kept, the other "
                  "as a draft of its own (d lists them).",
    "entry": "Your edit of a guide entry was changed at another desk too: both are put "
             "together, between <<<<<<< and >>>>>>> where they differ.",
}


class Heard:
    """The stores' listener: tells the sync, and has the app send it after a pause."""

    def __init__(self, app: DraftSyncing, sync: DraftSync) -> None:
        self.app = app
        self.sync = sync

    def saved(self, server: str, key: str) -> None:
        self.sync.saved(server, key)
        self.app.schedule_sync()

    def deleted(self, server: str | None, key: str) -> None:
        self.sync.deleted(server, key)
        self.app.schedule_sync()


class DraftSyncing(Navigation):
    session: Session | None
    where_kept = "on this computer"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local_drafts: tuple[DraftStore, EntryDraftStore] | None = None
        self.draft_sync: DraftSync | None = None
        self.sync_timer: Timer | None = None
        self.sync_pulled = False
        self.sync_failures = 0
        self.told: set[str] = set()
        # Until the first screen is up, the pull waits: start-up asks only for what that
        # screen shows (the drafts are not on its path).
        self.first_screen_up = False

    # --- the stores screens get -------------------------------------------------------

    def local_stores(self) -> tuple[DraftStore, EntryDraftStore]:
        """Files here; memory in kiosk mode."""
        from tui.drafts import DraftStore
        from tui.entry_drafts import EntryDraftStore

        return DraftStore(), EntryDraftStore()

    def sync_states(self, server: str) -> States:
        from tui.drafts import drafts_dir
        from tui.sync_state import FileStates

        return FileStates(drafts_dir().parent / "drafts-sync", server)

    def stores(self) -> tuple[DraftStore, EntryDraftStore]:
        if self.local_drafts is None:
            self.local_drafts = self.local_stores()
        return self.local_drafts

    def draft_store(self) -> DraftStore:
        return self.stores()[0]

    def entry_draft_store(self) -> EntryDraftStore:
        return self.stores()[1]

    # --- signed in, signed out ----------------------------------------------------------

    def start_draft_sync(self) -> None:
        """A person is signed in: their drafts on the server and here put together, and
        from now on each save here sent there too."""
        from tui.draft_sync import DraftSync
        from tui.draft_values import LocalDrafts

        session = self.session
        if session is None or session.user is None:
            return
        current = self.draft_sync
        if current is not None and (current.user, current.local.server) == (
                session.user.id, session.server):
            return
        self.detach_sync()
        drafts, entries = self.stores()
        sync = DraftSync(LocalDrafts(session.server, drafts, entries),
                         self.sync_states(session.server), session.user.id,
                         account=session.user.created_at.isoformat())
        self.draft_sync, self.sync_pulled, self.sync_failures = sync, False, 0
        drafts.listener = entries.listener = Heard(self, sync)
        sync.replaced = self.draft_replaced
        if self.first_screen_up:
            self.pull_drafts()

    def pull_drafts(self) -> None:
        """The first exchange with the server: its drafts and these put together."""
        if self.draft_sync is not None and not self.sync_pulled:
            self.run_worker(self.sync_drafts_now(), group="drafts-sync",
                            exit_on_error=False)

    def detach_sync(self) -> None:
        if self.sync_timer is not None:
            self.sync_timer.stop()
            self.sync_timer = None
        if self.draft_sync is not None:
            self.draft_sync.stopped = True
            self.draft_sync = None
        if self.local_drafts is not None:
            for store in self.local_drafts:
                store.listener = None

    async def stop_draft_sync(self) -> None:
        """Signing out or ending: what is pending sent (a few seconds at most), then no
        more sync."""
        sync, session = self.draft_sync, self.session
        self.detach_sync()
        if sync is not None and session is not None and self.sync_pulled:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sync.flush(session.client, everything=True),
                                       LAST_FLUSH)
        self.told.clear()

    def draft_replaced(self, key: str) -> None:
        for screen in self.screen_stack:
            hook = getattr(screen, "draft_replaced", None)  # AppScreen's
            if callable(hook):
                hook(key)

    def forget_drafts(self) -> None:
        """After sign-out: the desktop keeps its files (kiosk mode forgets)."""

    async def on_unmount(self) -> None:
        await self.stop_draft_sync()

    # --- when it runs -------------------------------------------------------------------

    def schedule_sync(self, delay: float | None = None) -> None:
        """A timer for the next draft due (``delay``: a retry after a failure)."""
        sync = self.draft_sync
        if sync is None or (sync.offline and delay is None and self.sync_timer is not None):
            return  # while offline, the retry's timer stands
        if delay is None:
            delay = sync.next_due()
            if delay is None:
                return
        if self.sync_timer is not None:
            self.sync_timer.stop()
        self.sync_timer = self.set_timer(delay, self.sync_due, name="drafts sync")

    def sync_due(self) -> None:
        self.sync_timer = None
        self.run_worker(self.sync_drafts(), group="drafts-sync", exit_on_error=False)

    async def sync_drafts_now(self) -> None:
        """Everything pending sent now (at sign-in: put together with the server's)."""
        await self.sync_drafts(everything=True)

    async def sync_drafts(self, *, everything: bool = False) -> None:
        sync, session = self.draft_sync, self.session
        if sync is None or session is None:
            return
        if self.sync_pulled:
            ok = await sync.flush(session.client, everything=everything)
        else:
            ok = self.sync_pulled = await sync.pull(session.client)
        if sync is not self.draft_sync:
            return  # signed out meanwhile
        self.tell(sync.take_events())
        if ok:
            self.sync_failures = 0
            self.told.discard("offline")  # said again at the next outage
            self.schedule_sync()
        else:
            self.sync_failures += 1
            self.schedule_sync(RETRY_AFTER[min(self.sync_failures, len(RETRY_AFTER)) - 1])

    def tell(self, events: list[tuple[Event, str]]) -> None:
        for event, key in events:
            if event == "kept-both":
                kind = key.partition(":")[0]
                self.notify(BOTH_KEPT.get(kind, BOTH_KEPT["submission"]),
                            title="Drafts", severity="warning", timeout=12, markup=False)
            elif event not in self.told:
                self.told.add(event)
                self.notify(TOLD[event].format(where=self.where_kept), title="Drafts",
                            severity="warning", timeout=10, markup=False)
