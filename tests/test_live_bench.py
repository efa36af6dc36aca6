"""The live bench's pieces at a tiny scale (bench/live.py): a real ``serve``, a subscriber
process with five streams, a few writes of each kind; every event reaches every stream,
the figures are made and recorded. Nothing here is timed: the bench's timings are its
own business (bench/RESULTS.md)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bench import common, servers
from bench.common import Kind, run
from bench.live import LiveOptions, _plan, measure_live
from bench.live_report import deliveries, figures, record_live
from bench.live_subscribers import Findings, Stream, missing
from server.bus import LocalBus
from server.cache import Challenges
from server.config import Settings
from server.db import Database
from server.live_hub import Hub, Subscriber
from server.live_view import Viewer
from server.security import hash_token
from server.tables import utcnow
from tests.support import add_users

TINY = LiveOptions(subscribers=5, processes=1, rate=50.0, writes=8, voters=2, rounds=1,
                   round_seconds=0.3, idle_seconds=0.1, drain_timeout=30.0, submissions=40)


def test_a_stream_splits_frames_and_keeps_the_first_of_each_event() -> None:
    found = Findings(streams=1, connected=1)
    stream = Stream(found)
    comment = b'event: comment.created\ndata: {"submission_id":3,"comment":{"id":9}}\n\n'
    stream.frames(b"retry: 2000\nid: 4\n\n" + comment[:20], 1.0)  # a frame over two chunks
    stream.frames(comment[20:] + comment, 2.0)  # and the same event again
    stream.frames(b'id: 5\nevent: submission.counts\ndata: {"challenge":"c","items":'
                  b'[{"id":3},{"id":4}]}\n\n', 3.0)
    stream.frames(b'event: submission.counts\ndata: {"challenge":"c","items":[{"id":3}]}'
                  b"\n\nevent: reset\ndata: {}\n\n", 4.0)
    assert found.events == {"comment.created:9": [2.0]}
    assert found.duplicates == 1
    assert found.counts == {"3": [3.0], "4": [3.0]}  # the first counts naming each
    assert found.resets == 1 and found.frames == 6
    assert missing(found, ["comment.created:9", "submission.created:1"], ["3", "7"]) == 2


def test_tokens_are_dealt_over_processes_and_servers() -> None:
    plan = _plan(["http://a", "http://b"], [f"t{i}" for i in range(7)], 3)
    assert [url for url, _ in plan] == ["http://a", "http://b", "http://a"]
    assert sorted(t for _, tokens in plan for t in tokens) == sorted(f"t{i}" for i in range(7))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_bench_runs_at_a_tiny_scale(kind: Kind, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        request: pytest.FixtureRequest) -> None:
    if kind == "postgresql":
        request.getfixturevalue("postgresql_url")  # skips (or fails in CI) without one
    monkeypatch.setattr(common, "OUT", tmp_path)
    monkeypatch.setattr(servers, "OUT", tmp_path)
    monkeypatch.setattr(common, "RESULTS", tmp_path / "RESULTS.md")
    options = replace(TINY, name=f"live_test_{os.getpid()}")
    try:
        measured = run(measure_live(kind, options))
    finally:
        if kind == "postgresql":
            run(common._pg_admin(f'DROP DATABASE IF EXISTS "cc_bench_{options.name}" '
                                 "WITH (FORCE)"))

    assert [f.connected for f in measured.findings] == [5]
    assert not any(f.errors or f.ended_early or f.resets for f in measured.findings)
    kinds = [key.partition(":")[0] for key, _ in measured.made]
    assert kinds == ["comment.created", "vote", "submission.created", "vote"] * 2
    d = deliveries(measured.made, measured.findings)
    assert d.expected == 5 * 4 and d.missing == 0  # every stream got every event
    assert len(d.counts) == d.counts_expected == 5 * 4  # and a counts event per vote
    assert all(math.isfinite(x) for x in d.latencies + d.counts)
    assert measured.alone_before and measured.with_subscribers and measured.alone_after
    assert all(rate > 0 for rate in measured.alone_before + measured.with_subscribers)
    assert measured.vote_errors == 0
    assert measured.rss_idle > 0 and measured.rss_subscribed > 0
    if kind == "postgresql":  # two instances: the second's subscribers get the first's writes
        assert measured.instances is not None
        made, first, second = measured.instances
        assert [f.connected for f in first + second] == [3, 2]
        assert deliveries(made, second).missing == 0
        assert deliveries(made, second).expected == 2 * 4
    else:
        assert measured.instances is None

    f = figures(measured)
    assert f["subscribed"] == 5 and f["per_subscriber_kib"] == pytest.approx(
        1024 * (measured.rss_subscribed - measured.rss_idle) / 5)
    record_live(measured, quick=False, argv=["live"], info=common.machine(), write=True)
    text = (tmp_path / "RESULTS.md").read_text()
    assert f"<!-- bench:live-{kind} start -->" in text
    assert f"| Live events, {kind} |" in text  # the summary row


async def test_a_stream_opened_during_a_token_check_is_not_ended(database_url: str) -> None:
    """Found by the bench: a stream that subscribed while the hub's token check was
    querying (its token not among those checked) was ended as if revoked."""
    settings = Settings(database_url=database_url)
    db = Database.connect(database_url, pool_size=1)
    hub = Hub(db, LocalBus(), settings, Challenges(0), utcnow)
    (ann, ann_token), (bob, bob_token) = await add_users(db, 2, prefix=f"tc{uuid.uuid4().hex[:6]}-")

    def subscriber(user_id: int, token_hash: str) -> Subscriber:
        return Subscriber(Viewer(user_id, "participant"), token_hash, None, asyncio.Queue(4))

    present = subscriber(ann, hash_token(ann_token))
    forged = subscriber(ann, hash_token("not a token anyone was given"))
    newcomer = subscriber(bob, hash_token(bob_token))
    hub.subscribers |= {present, forged}
    read = db.read

    @contextlib.asynccontextmanager
    async def read_while_one_subscribes() -> AsyncIterator[AsyncSession]:
        hub.subscribers.add(newcomer)  # subscribes while the check is under way
        async with read() as session:
            yield session

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(db, "read", read_while_one_subscribes)
            await hub.check_tokens()
        assert forged.closed == "revoked"
        assert present.closed is None and newcomer.closed is None
        await hub.check_tokens()  # the next check looks at the newcomer's token too
        assert newcomer.closed is None
    finally:
        await db.dispose()
