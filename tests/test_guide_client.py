"""Every guide method of the typed client against the real server over a real socket
(SQLite; the API tests run on both databases): EditConflict carries the current entry,
PreconditionRequired without If-Match, and the sync twins."""

from __future__ import annotations

import asyncio

import pytest

from client import (
    ChallengeClient,
    Conflict,
    EditConflict,
    Forbidden,
    PhaseClosed,
    PreconditionRequired,
    SyncChallengeClient,
)
from client.guide_models import EntryUpdate
from client.models import ChallengeCreate, SubmissionCreate
from tests.guide_support import develop_phases
from tests.support import DAY, Clock, LiveServer, add_users, challenge_spec, next_march


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


async def test_every_guide_method(live: LiveServer, database_url: str, clock: Clock) -> None:
    (_, admin_t), = await add_users(database_url, 1, role="admin", prefix="a")
    (_, mod_t), = await add_users(database_url, 1, role="moderator", prefix="m")
    (ada_id, ada_t), (bob_id, bob_t) = await add_users(database_url, 2, prefix="p")
    async with ChallengeClient(live.url, token=admin_t) as admin, \
            ChallengeClient(live.url, token=mod_t) as mod, \
            ChallengeClient(live.url, token=ada_t) as ada, \
            ChallengeClient(live.url, token=bob_t) as bob:
        await admin.create_challenge(ChallengeCreate.model_validate(
            challenge_spec(phases=develop_phases())))
        story = await ada.create_submission("change", SubmissionCreate(
            kind="story", title="Huddles", body="Ten minutes a day.",
            themes=["Time and capacity"]))
        clock.advance(2 * DAY)

        found = await mod.guide_suggestions("change", per_theme=3)
        assert [s.id for s in found.items[0].submissions] == [story.id]
        entry = await mod.create_guide_entry("change", story.id)
        assert entry.version == 1 and entry.sources == [story.id]
        assert entry.lead is not None and entry.lead.id == ada_id
        with pytest.raises(Conflict):
            await mod.create_guide_entry("change", story.id)
        with pytest.raises(Forbidden):
            await bob.guide_suggestions("change")

        page = await bob.list_guide_entries("change")
        assert [e.id for e in page.items] == [entry.id]
        assert [e.id async for e in bob.iter_guide_entries("change", page_size=1)] == [entry.id]

        v2 = await ada.edit_guide_entry(entry.id, version=1, body=f"Start small. #{story.id}")
        assert v2.version == 2
        with pytest.raises(EditConflict) as conflict:
            await ada.edit_guide_entry(entry.id, version=1, body="Lost?")
        assert conflict.value.status == 412
        assert conflict.value.current is not None
        assert conflict.value.current.version == 2
        assert conflict.value.current.body.startswith("Start small.")
        with pytest.raises(PreconditionRequired):
            await ada._t.send("PATCH", f"/guide/entries/{entry.id}",
                              body=EntryUpdate(body="no version"))
        with pytest.raises(Forbidden):
            await ada.update_guide_entry(entry.id, EntryUpdate(status="testing"), version=2)
        v3 = await mod.update_guide_entry(entry.id, EntryUpdate(
            status="testing", review_on=next_march(), contributor_ids=[bob_id]), version=2)
        assert v3.status == "testing" and [c.id for c in v3.contributors] == [bob_id]
        v4 = await bob.restore_guide_version(entry.id, 1, version=3)
        assert v4.version == 4 and v4.body == entry.body

        history = await bob.list_guide_versions(entry.id, limit=2)
        assert [v.version for v in history.items] == [4, 3] and history.next_cursor
        assert history.items[0].restored_from == 1 and history.items[0].body is None
        assert (await bob.get_guide_version(entry.id, 2)).body is not None

        pledge = await bob.pledge_guide_entry(entry.id, "Ward 7 will try this")
        assert pledge.user.id == bob_id
        seen = await ada.get_guide_entry(entry.id)
        assert [p.note for p in seen.pledges] == ["Ward 7 will try this"]
        assert seen.my_pledge is None
        await bob.withdraw_guide_pledge(entry.id)
        assert (await bob.get_guide_entry(entry.id)).pledges == []

        comment = await bob.add_guide_comment(entry.id, "We did this on ward 3.")
        assert [c.id for c in (await ada.list_guide_comments(entry.id)).items] == [comment.id]
        flag = await ada.flag_guide_comment(comment.id, "off_topic")
        assert flag.target_type == "entry_comment"
        outsider = (await add_users(database_url, 1, prefix="o"))[0][1]
        async with ChallengeClient(live.url, token=outsider) as carol:
            assert (await carol.flag_guide_entry(entry.id, "other", "odd")).target_type == "entry"

        log = await mod.moderation_log(challenge="change", target_type="entry",
                                       target_id=entry.id)
        assert [a.action for a in log.items] == ["guide_update", "guide_shortlist"]
        order = await mod.order_guide("change", [entry.id])
        assert [e.id for e in order.items] == [entry.id]
        with pytest.raises(Forbidden):
            await mod.publish_guide("change")
        assert (await admin.publish_guide("change")).published
        async with ChallengeClient(live.url) as anon:
            guide = await anon.get_guide("change")
            assert [e.id for c in guide.chapters for e in c.entries] == [entry.id]
            assert [s.id for s in guide.sources] == [story.id]
            printable = await anon.export_guide("change", "html")
            assert printable.startswith("<!doctype html>") and f'id="entry-{entry.id}"' in printable
            assert f"/api/v1/submissions/{story.id}" in await anon.export_guide(
                "change", "markdown")

        clock.advance(20 * DAY)
        with pytest.raises(PhaseClosed):
            await bob.edit_guide_entry(entry.id, version=4, body="late")
        await mod.remove_guide_entry(entry.id)
        assert (await mod.list_guide_entries("change")).items == []


async def test_the_sync_client_speaks_guide_too(live: LiveServer, database_url: str,
                                                clock: Clock) -> None:
    (_, admin_t), = await add_users(database_url, 1, role="admin", prefix="a")
    async with ChallengeClient(live.url, token=admin_t) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(
            challenge_spec(phases=develop_phases())))
        story = await admin.create_submission("change", SubmissionCreate(
            kind="story", title="Huddles", body="Ten minutes a day."))
    clock.advance(2 * DAY)

    def run() -> tuple[int, int]:
        with SyncChallengeClient(live.url, token=admin_t) as sync:
            entry = sync.create_guide_entry("change", story.id)
            edited = sync.edit_guide_entry(entry.id, version=entry.version, title="Huddles, daily")
            return entry.version, edited.version

    assert await asyncio.to_thread(run) == (1, 2)
