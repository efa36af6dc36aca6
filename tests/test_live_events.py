"""GET /events over real sockets: what reaches whom, resumes, resets, revocation.

To show that someone did NOT get an event, a public event follows it and is the next
thing they receive (no sleeps: every wait is for an event, with a timeout).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from server.config import Settings
from tests.live_support import Subscriber
from tests.support import DAY, LiveServer, add_users, bearer, challenge_spec, open_phase, phase


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], events_check_seconds=0.2,
                    events_heartbeat_seconds=1, events_counts_seconds=0,
                    events_poll_seconds=1)


@dataclass
class World:
    live: LiveServer
    http: httpx.AsyncClient
    tokens: dict[str, str]
    ids: dict[str, int]
    settings: Settings

    async def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        r = await self.http.request(method, path, headers=bearer(self.tokens[who]), **kwargs)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    async def post(self, who: str, title: str, **fields: Any) -> dict[str, Any]:
        body = {"kind": "story", "title": title, "body": "It worked.", **fields}
        result: dict[str, Any] = await self.call(who, "POST", "/challenges/change/submissions",
                                                 json=body)
        return result

    def sub(self, who: str, **kwargs: Any) -> Subscriber:
        return Subscriber(self.live.url, self.tokens[who], **kwargs)


@pytest.fixture
async def world(live: LiveServer, settings: Settings) -> AsyncIterator[World]:
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    for name, role in (("admin", "admin"), ("mod", "moderator"), ("ann", "participant"),
                       ("bob", "participant"), ("cat", "participant")):
        ((uid, token),) = await add_users(settings.database_url, 1, role=role,
                                          prefix=f"{name}-{uuid.uuid4().hex[:6]}-")
        tokens[name], ids[name] = token, uid
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=30) as http:
        world = World(live, http, tokens, ids, settings)
        await world.call("admin", "POST", "/challenges", json=challenge_spec())
        yield world


async def test_a_new_submission_reaches_everyone_and_an_anonymous_author_stays_so(
        world: World) -> None:
    async with world.sub("ann") as ann, world.sub("mod") as mod, world.sub("bob") as bob:
        made = await world.post("bob", "Huddles", anonymous=True)
        seen = (await ann.next("submission.created")).data
        assert seen["id"] == made["id"] and seen["challenge"] == "change"
        assert seen["submission"]["title"] == "Huddles"
        assert seen["submission"]["author"] is None and seen["submission"]["is_mine"] is False
        moderated = (await mod.next("submission.created")).data["submission"]
        assert moderated["author"]["id"] == world.ids["bob"]
        own = (await bob.next("submission.created")).data["submission"]
        assert own["is_mine"] is True and own["author"] is None


async def test_pending_items_reach_only_their_author_and_moderators(world: World) -> None:
    await world.call("admin", "PATCH", "/challenges/change", json={"moderation": "pre"})
    async with world.sub("ann") as ann, world.sub("mod") as mod, world.sub("bob") as bob:
        held = await world.post("bob", "Waiting", body="call 07700 900123")
        mine = (await bob.next("submission.created")).data
        assert mine["status"] == "pending" and mine["submission"]["status_reason"]
        assert (await mod.next("submission.created")).data["id"] == held["id"]
        queued = (await mod.next("queue.changed")).data
        assert [i["id"] for i in queued["added"]] == [held["id"]]
        # The moderator approves: everyone sees it now, the queue loses it with who did it.
        await world.call("mod", "POST", "/moderation/decisions", json={
            "action": "approve", "targets": [{"type": "submission", "id": held["id"]}]})
        first = await ann.next()  # ann never heard of it while it was pending
        assert first.name == "submission.updated" and first.data["id"] == held["id"]
        assert first.data["submission"]["status"] == "published"
        assert first.data["submission"]["status_reason"] is None
        removed = (await mod.next("queue.changed")).data["removed"]
        assert removed[0]["id"] == held["id"] and removed[0]["action"] == "approve"
        assert removed[0]["by"]["id"] == world.ids["mod"]
        told = (await bob.next("notification")).data
        assert told["kind"] == "approved" and told["submission_id"] == held["id"]
        assert told["actor"] is None
        assert not [e for e in await _drain_until_marker(world, ann) if e.name == "queue.changed"]


async def _drain_until_marker(world: World, sub: Subscriber) -> list[Any]:
    """Everything ``sub`` gets before a public marker event made now: a phase renamed
    (it allows what it did)."""
    name = f"marker {uuid.uuid4().hex[:6]}"
    await world.call("admin", "PATCH", "/challenges/change",
                     json={"phases": [{**open_phase(), "name": name}]})
    _, before = await sub.until("phase.changed",
                                lambda d: d["current_phase"]["name"] == name)
    return before


async def test_hidden_items_leave_public_view_without_their_text(world: World) -> None:
    made = await world.post("bob", "To be hidden")
    async with world.sub("ann") as ann, world.sub("bob") as bob:
        await world.call("mod", "POST", "/moderation/decisions", json={
            "action": "hide", "reason": "patient details",
            "targets": [{"type": "submission", "id": made["id"]}]})
        gone = (await ann.next("submission.updated")).data
        assert gone == {"challenge": "change", "id": made["id"], "status": "hidden",
                        "submission": None}
        told = (await bob.next("notification")).data
        assert told["kind"] == "hidden" and told["reason"] == "patient details"


async def test_counts_reach_people_only_when_the_phase_shows_them(world: World) -> None:
    made = await world.post("bob", "Counted")
    async with world.sub("ann") as ann, world.sub("mod") as mod:
        await world.call("cat", "PUT", f"/submissions/{made['id']}/vote", json={"value": 1})
        counts = (await ann.next("submission.counts")).data
        assert counts == {"challenge": "change", "items": [
            {"id": made["id"], "up": 1, "down": 0, "score": counts["items"][0]["score"],
             "wins": 0, "losses": 0, "pairwise_score": 0.5, "comments": 0}]}
        await mod.next("submission.counts")
    await world.call("admin", "PATCH", "/challenges/change", json={
        "phases": [phase("Vote blind", -DAY, DAY, votes=True, comments=True,
                         show_counts=False)]})
    async with world.sub("ann") as ann, world.sub("mod") as mod:
        await world.call("ann", "PUT", f"/submissions/{made['id']}/vote", json={"value": -1})
        await world.call("cat", "POST", f"/submissions/{made['id']}/comments",
                         json={"body": "Good"})
        # The first counts event, moderators' too (nobody sees hidden counts), is the
        # comment's, without the votes.
        for who in (ann, mod):
            first = await who.next("submission.counts")
            assert first.data["items"] == [{"id": made["id"], "up": None, "down": None,
                                            "score": None, "wins": None, "losses": None,
                                            "pairwise_score": None, "comments": 1}]


async def test_comments_replies_and_their_notifications(world: World) -> None:
    made = await world.post("bob", "Discussed", anonymous=True)
    async with world.sub("ann") as ann, world.sub("bob") as bob, world.sub("cat") as cat:
        top = await world.call("cat", "POST", f"/submissions/{made['id']}/comments",
                               json={"body": "How long did it take?"})
        got = (await ann.next("comment.created")).data
        assert got["comment"]["id"] == top["id"] and got["submission_id"] == made["id"]
        told = (await bob.next("notification")).data
        assert (told["kind"], told["comment_id"]) == ("comment", top["id"])
        assert told["actor"]["id"] == world.ids["cat"]
        # The anonymous author replies: cat is told of a reply by nobody named.
        reply = await world.call("bob", "POST", f"/submissions/{made['id']}/comments",
                                 json={"body": "A week", "parent_id": top["id"]})
        heard = (await ann.next("comment.created")).data["comment"]
        assert heard["id"] == reply["id"] and heard["author"] is None
        told = (await cat.next("notification")).data
        assert (told["kind"], told["actor"]) == ("reply", None)
        # bob is not told of his own reply
        assert not [e for e in await _drain_until_marker(world, bob) if e.name == "notification"]


async def test_phase_changes_reach_everyone(world: World) -> None:
    async with world.sub("ann") as ann:
        await world.call("admin", "PATCH", "/challenges/change",
                         json={"phases": [open_phase(vote_budget=3)]})
        changed = (await ann.next("phase.changed")).data
        assert changed["challenge"] == "change"
        assert changed["current_phase"]["vote_budget"] == 3


async def test_a_challenge_filter_narrows_the_stream(world: World) -> None:
    await world.call("admin", "POST", "/challenges", json=challenge_spec("other"))
    async with world.sub("ann", challenge="change") as ann:
        await world.call("bob", "POST", "/challenges/other/submissions",
                         json={"kind": "story", "title": "Elsewhere", "body": "b"})
        here = await world.post("bob", "Here")
        assert (await ann.next()).data["id"] == here["id"]


async def test_resume_with_last_event_id_replays_what_was_missed(world: World) -> None:
    async with world.sub("ann") as ann:
        first = await world.post("bob", "First")
        assert (await ann.next()).data["id"] == first["id"]
        resume_from = ann.last_id
    missed = [await world.post("bob", f"Missed {i}") for i in range(3)]
    async with world.sub("ann", last_id=resume_from) as ann:
        got = [(await ann.next("submission.created")).data["id"] for _ in missed]
        assert got == [m["id"] for m in missed]


async def test_a_stream_opened_after_an_idle_spell_starts_at_the_newest_event(
        world: World) -> None:
    """With nobody subscribed the hub reads nothing; the next stream starts after what
    was written meanwhile (not with it), and a resume from before still replays it."""
    async with world.sub("ann") as ann:
        first = await world.post("bob", "First")
        assert (await ann.next()).data["id"] == first["id"]
        resume_from = ann.last_id
    missed = await world.post("bob", "Missed")
    await world.call("cat", "PUT", f"/submissions/{missed['id']}/vote", json={"value": 1})
    async with world.sub("ann") as ann:
        later = await world.post("bob", "Later")
        assert (await ann.next()).data["id"] == later["id"]
    async with world.sub("ann", last_id=resume_from) as ann:
        assert (await ann.next("submission.created")).data["id"] == missed["id"]
        assert (await ann.next("submission.created")).data["id"] == later["id"]
        counts = (await ann.next("submission.counts")).data["items"]  # replayed last
        assert [(c["id"], c["up"]) for c in counts] == [(missed["id"], 1)]


async def test_a_resume_from_before_the_kept_events_is_a_reset(world: World) -> None:
    async with world.sub("ann") as ann:
        await world.post("bob", "Old")
        old = (await ann.next()).id
        assert old is not None
    for i in range(3):
        await world.post("bob", f"Newer {i}")
    kept = world.settings.model_copy(update={"events_retention_rows": 1})
    await _purge(kept)
    async with world.sub("ann", last_id=old - 1) as ann:
        reset = await ann.next()
        assert (reset.name, reset.data) == ("reset", {"reason": "too_old"})
        later = await world.post("bob", "After the reset")
        assert (await ann.next()).data["id"] == later["id"]
    async with world.sub("ann", last_id=10**12) as ann:
        assert (await ann.next()).data == {"reason": "unknown_id"}


async def _purge(settings: Settings) -> None:
    from server.bus import LocalBus
    from server.cache import Challenges
    from server.db import Database
    from server.live_hub import Hub
    from server.tables import utcnow

    db = Database.connect(settings.database_url, pool_size=1)
    try:
        assert await Hub(db, LocalBus(), settings, Challenges(0), utcnow).purge() > 0
    finally:
        await db.dispose()


async def test_signing_out_ends_the_stream(world: World) -> None:
    async with world.sub("ann") as ann, world.sub("bob") as bob:
        await world.call("ann", "POST", "/auth/logout")
        await ann.wait_ended()
        assert not bob.ended.is_set()
        r = await world.http.get("/events", headers=bearer(world.tokens["ann"]))
        assert r.status_code == 401


async def test_streams_per_person_are_capped(world: World, settings: Settings) -> None:
    opened = [world.sub("ann") for _ in range(settings.events_streams_per_user)]
    for sub in opened:
        await sub.__aenter__()
    try:
        r = await world.http.get("/events", headers=bearer(world.tokens["ann"]))
        assert r.status_code == 429 and r.headers["retry-after"]
    finally:
        for sub in opened:
            await sub.__aexit__(None, None, None)
