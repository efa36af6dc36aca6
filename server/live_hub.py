"""Each instance's hub: reads new ``events`` rows and fans them out to its subscribers.

News of a commit arrives on the bus (from this instance or another); the hub then reads
every row above the last it read, in id order (which is commit order, see
server/live_record.py), and puts each subscriber's narrowed copy (server/live_view.py)
on that subscriber's bounded queue. It also polls, so a change made where no bus
reached (the admin CLI, a lost notification) still arrives within ``events_poll_seconds``.
While this instance has no subscribers it reads nothing (the rows would go to nobody):
the first to come catches up first, to the table's highest id, so a stream starts
there as it would have, and a resume replays from its ``Last-Event-ID`` as ever.

``submission.counts`` rows are held and coalesced: at most one event per challenge per
``events_counts_seconds``. So that a resume never skips held rows, every event carries
as its id the *watermark*: the highest id up to which every row has been sent (below
the first held row). A resume with ``Last-Event-ID`` replays the rows above it, or says
``reset`` when they were purged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from server import live_view
from server.bus import Bus
from server.cache import Challenges
from server.config import Settings
from server.db import Database
from server.live_record import CHANNEL
from server.live_tables import EventRow
from server.live_view import COUNTS, Row, Viewer
from server.phases import counts_visible
from server.tables import SessionRow, UserRow

STOP_WAIT = 5.0  # seconds a round may take to finish when the server stops
log = logging.getLogger(__name__)
BATCH = 500


def frame(stamp: int, name: str, data: str) -> bytes:
    return f"id: {stamp}\nevent: {name}\ndata: {data}\n\n".encode()


def reset_frame(stamp: int, reason: str) -> bytes:
    return frame(stamp, "reset", json.dumps({"reason": reason}))


@dataclass(eq=False)
class Subscriber:
    viewer: Viewer
    token_hash: str
    challenge_id: int | None
    queue: asyncio.Queue[bytes | None]
    # While a resume replays: what the hub sends meanwhile, (source row id, frame).
    held: list[tuple[int, bytes]] | None = None
    # After a replay: frames from rows up to this were replayed already.
    floor: int = 0
    closed: str | None = None  # why the stream ends: "revoked", "slow_consumer", "stopped"
    end_frame: bytes | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def wants(self, row: Row) -> bool:
        if self.challenge_id is not None and row.challenge_id != self.challenge_id \
                and row.audience != "user":  # your notifications come whatever the filter
            return False
        return live_view.allowed(row.audience, row.user_id, self.viewer)

    def put(self, source: int, data: bytes, stamp: Callable[[], int]) -> None:
        if self.closed is not None:
            return
        if self.held is not None:
            self.held.append((source, data))
            return
        if source <= self.floor:
            return
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:  # it does not keep up: tell it so, and let it go
            self.close("slow_consumer", reset_frame(stamp(), "slow_consumer"))

    def close(self, reason: str, end: bytes | None = None) -> None:
        if self.closed is not None:
            return
        self.closed, self.end_frame = reason, end
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)
        self.ended.set()


@dataclass
class _Pending:
    rows: list[Row] = field(default_factory=list)
    due: float = 0.0


class Hub:
    def __init__(self, db: Database, bus: Bus, settings: Settings, challenges: Challenges,
                 clock: Callable[[], datetime]) -> None:
        self.db, self.bus, self.settings = db, bus, settings
        self.challenges, self.clock = challenges, clock
        self.subscribers: set[Subscriber] = set()
        self.read_to = 0
        # Rows may lie above read_to that were not read, as nobody here would get them
        # (or the database was away when the server started).
        self._behind = False
        self._stopping = False
        self._pending: dict[int, _Pending] = {}
        self._last_flush: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._next_check = self._next_purge = 0.0
        self._shown: dict[int, bool] = {}  # per challenge: counts shown to participants

    # --- life ---------------------------------------------------------------------

    async def start(self) -> None:
        self._behind = True  # reading starts at the table's end
        try:
            await self._catch_up()
        except Exception:  # the database is away: the server still starts (503s), and
            # the first subscriber once it is back catches up from the end
            log.warning("live events: the database is unreachable; reading starts later")
        self._unsubscribe = self.bus.subscribe(CHANNEL, self._on_message)
        self.db.on_events = self.announce
        self._task = asyncio.create_task(self._run(), name="live-events hub")

    async def stop(self) -> None:
        self.db.on_events = None
        if self._unsubscribe:
            self._unsubscribe()
        for sub in list(self.subscribers):
            sub.close("stopped")
        # The loop is asked to stop between rounds, not cancelled inside one: a SQLite
        # write cancelled half-way leaves its connection holding the file's lock.
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._task), STOP_WAIT)
        for task in [self._task, *self._tasks]:
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def announce(self) -> None:
        """After a commit that wrote events (any thread's loop: this one's)."""
        task = asyncio.get_running_loop().create_task(self.bus.publish(CHANNEL, {"new": 1}))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def revoked(self, token_hash: str) -> None:
        """A token was revoked here: every instance ends its streams at once."""
        await self.bus.publish(CHANNEL, {"revoked": token_hash})

    def _on_message(self, message: dict[str, Any]) -> None:
        revoked = message.get("revoked")
        if isinstance(revoked, str):
            for sub in list(self.subscribers):
                if sub.token_hash == revoked:
                    sub.close("revoked")
        else:
            self._wake.set()

    async def _run(self) -> None:
        s = self.settings
        while True:
            now = time.monotonic()
            due = min([p.due for p in self._pending.values()], default=now + s.events_poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(),
                                       max(0.0, min(due, now + s.events_poll_seconds) - now))
            self._wake.clear()
            if self._stopping:
                return
            try:
                if self.subscribers:
                    await self.read()
                else:
                    self._behind = True
                self.flush(time.monotonic())
                await self._housekeeping()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away: try again at the next wake-up
                log.exception("live events: reading failed")

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.settings.events_check_seconds
            await self.check_tokens()
        if now >= self._next_purge:
            self._next_purge = now + 60
            await self.purge()

    # --- reading and fanning out --------------------------------------------------------

    def stamp(self) -> int:
        held = [p.rows[0].id for p in self._pending.values() if p.rows]
        return min(held) - 1 if held else self.read_to

    async def _rows(self, after: int, limit: int) -> list[Row]:
        async with self.db.read() as session:
            found = await session.execute(
                select(EventRow.id, EventRow.name, EventRow.challenge_id, EventRow.audience,
                       EventRow.user_id, EventRow.data)
                .where(EventRow.id > after).order_by(EventRow.id).limit(limit))
            return [Row(*r) for r in found]

    async def _catch_up(self) -> None:
        """Before a subscriber joins an idle hub: skip the rows nobody was here for."""
        async with self.db.read() as session:
            high = int((await session.execute(
                select(func.coalesce(func.max(EventRow.id), 0)))).scalar_one())
        # Unless another subscriber caught up meanwhile (then the hub may have read on).
        if self._behind:
            self.read_to, self._behind = max(self.read_to, high), False

    async def read(self) -> None:
        """Every row above the last read, fanned out (counts held for coalescing)."""
        while True:
            rows = await self._rows(self.read_to, BATCH)
            if not rows:
                return
            visible = await self._visibility({r.challenge_id for r in rows})
            self._shown.update(visible)
            for row in rows:
                self.read_to = row.id
                if row.name == COUNTS and row.challenge_id is not None:
                    self._hold(row)
                else:
                    self._fan_out(row, visible)
            if len(rows) < BATCH:
                return

    def _hold(self, row: Row) -> None:
        assert row.challenge_id is not None
        pending = self._pending.setdefault(row.challenge_id, _Pending())
        if not pending.rows:
            last = self._last_flush.get(row.challenge_id, float("-inf"))
            pending.due = max(time.monotonic(), last + self.settings.events_counts_seconds)
        pending.rows.append(row)

    def flush(self, now: float, *, everything: bool = False) -> None:
        for cid, pending in list(self._pending.items()):
            if pending.rows and (everything or pending.due <= now):
                del self._pending[cid]
                self._last_flush[cid] = now
                self._fan_out_counts(cid, pending.rows)
        self._pending = {c: p for c, p in self._pending.items() if p.rows}

    async def _visibility(self, challenge_ids: set[int | None]) -> dict[int, bool]:
        """Per challenge: whether counts are shown now (to anyone)."""
        out: dict[int, bool] = {}
        async with self.db.read() as session:
            for cid in challenge_ids:
                if cid is not None:
                    phases = (await self.challenges.by_id(session, cid)).phases
                    out[cid] = counts_visible(phases, self.clock())
        return out

    def _fan_out(self, row: Row, visible: dict[int, bool]) -> None:
        shown = visible.get(row.challenge_id or 0, True)
        made: dict[tuple[Any, ...], bytes] = {}
        stamp = self.stamp()
        for sub in list(self.subscribers):
            if not sub.wants(row):
                continue
            key = live_view.variant(row, sub.viewer, shown)
            if key not in made:
                made[key] = frame(stamp, row.name, json.dumps(live_view.shape(row, key),
                                                             separators=(",", ":")))
            sub.put(row.id, made[key], self.stamp)

    def _fan_out_counts(self, challenge_id: int, rows: list[Row]) -> None:
        shown = self._shown.get(challenge_id, True)
        made: dict[tuple[Any, ...], bytes | None] = {}
        stamp = self.stamp()
        for sub in list(self.subscribers):
            if sub.challenge_id not in (None, challenge_id):
                continue
            key = live_view.counts_key(rows, sub.viewer, shown)
            if key not in made:
                data = live_view.counts(rows, sub.viewer, shown)
                made[key] = None if data is None else frame(
                    stamp, COUNTS, json.dumps(data, separators=(",", ":")))
            out = made[key]
            if out is not None:
                sub.put(rows[-1].id, out, self.stamp)

    # --- subscribers ----------------------------------------------------------------

    def streams_of(self, user_id: int) -> int:
        return sum(1 for s in self.subscribers if s.viewer.user_id == user_id
                   and s.closed is None)

    async def subscribe(self, viewer: Viewer, token_hash: str, challenge_id: int | None,
                        last_id: int | None) -> tuple[Subscriber, int]:
        """A new subscriber, and the id its stream starts from; with ``last_id``, what it
        missed is on its queue already (or a ``reset``)."""
        if self._behind:
            await self._catch_up()
        sub = Subscriber(viewer, token_hash, challenge_id,
                         asyncio.Queue(self.settings.events_queue_size))
        self.subscribers.add(sub)
        if last_id is None:
            return sub, self.stamp()
        sub.held = []
        try:
            start = await self._replay(sub, last_id)
        except BaseException:
            self.subscribers.discard(sub)
            raise
        held, sub.held = sub.held, None
        for source, data in held:
            sub.put(source, data, self.stamp)
        return sub, start

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    async def _replay(self, sub: Subscriber, last_id: int) -> int:
        limit = self.settings.events_replay_max
        async with self.db.read() as session:
            low, high = (await session.execute(
                select(func.min(EventRow.id), func.max(EventRow.id)))).one()
        rows = await self._rows(last_id, limit + 1) if high is not None else []
        high = max([high or 0, *(r.id for r in rows)])
        reason = ("unknown_id" if last_id > high else
                  "too_old" if (low is not None and last_id < low - 1) or len(rows) > limit
                  else None)
        if reason is not None:
            sub.floor = high
            self._queue(sub, reset_frame(high, reason))
            return high
        sub.floor = rows[-1].id if rows else last_id
        visible = await self._visibility({r.challenge_id for r in rows})
        counts: dict[int, list[Row]] = {}
        for row in rows:
            if row.name == COUNTS and row.challenge_id is not None:
                counts.setdefault(row.challenge_id, []).append(row)
            elif sub.wants(row):
                held = [r[0].id for r in counts.values()]
                stamp = min(held) - 1 if held else row.id
                shown = visible.get(row.challenge_id or 0, True)
                key = live_view.variant(row, sub.viewer, shown)
                self._queue(sub, frame(stamp, row.name, json.dumps(
                    live_view.shape(row, key), separators=(",", ":"))))
        for cid, held_rows in counts.items():
            if sub.challenge_id not in (None, cid):
                continue
            data = live_view.counts(held_rows, sub.viewer,
                                    visible.get(cid, True))
            if data is not None:
                self._queue(sub, frame(sub.floor, COUNTS, json.dumps(data, separators=(",", ":"))))
        return sub.floor

    def _queue(self, sub: Subscriber, data: bytes) -> None:
        try:
            sub.queue.put_nowait(data)
        except asyncio.QueueFull:
            sub.close("slow_consumer", reset_frame(self.stamp(), "slow_consumer"))

    # --- housekeeping ---------------------------------------------------------------------

    async def check_tokens(self) -> None:
        """End the streams whose token was revoked or expired, or whose person was
        blocked (revocations made here are sent at once: see ``revoked``)."""
        checked = {s.token_hash for s in self.subscribers if s.closed is None}
        hashes = sorted(checked)
        if not hashes:
            return
        async with self.db.read() as session:
            good = set((await session.execute(
                select(SessionRow.token_hash).join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.token_hash.in_(hashes), SessionRow.revoked_at.is_(None),
                       SessionRow.expires_at > self.clock(), UserRow.blocked.is_(False))
            )).scalars())
        for sub in list(self.subscribers):
            # only the tokens checked: a stream that subscribed during the query waits
            # for the next check (its token was valid a moment ago, when it subscribed)
            if sub.token_hash in checked and sub.token_hash not in good:
                sub.close("revoked")

    async def purge(self) -> int:
        """Drop rows past the retention (age or number); the newest row always stays, so
        ids keep increasing and a resume can tell "too old" from "unknown"."""
        s = self.settings
        cutoff = self.clock() - timedelta(hours=s.events_retention_hours)
        async with self.db.write() as session:
            high = (await session.execute(select(func.max(EventRow.id)))).scalar_one()
            if high is None:
                return 0
            young = (await session.execute(select(func.min(EventRow.id)).where(
                EventRow.created_at >= cutoff))).scalar_one()
            # below the first young row, and below the newest events_retention_rows
            below = min(high, max(young if young is not None else high,
                                  high - s.events_retention_rows + 1))
            done = await session.execute(delete(EventRow).where(EventRow.id < below))
            await session.commit()
        return int(getattr(done, "rowcount", 0) or 0)
