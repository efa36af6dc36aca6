"""The client's moderation methods (async and sync) against a live server on both databases."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest

from client import ChallengeClient, Conflict, Forbidden, Invalid, NotFound, SyncChallengeClient
from client.models import (
    ChallengeCreate,
    DecisionCreate,
    DecisionTarget,
    SubmissionCreate,
)
from tests.support import LiveServer, add_users, challenge_spec


async def test_moderation_methods(live: LiveServer, database_url: str) -> None:
    ((_, admin_token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    ((_, mod_token),) = await add_users(database_url, 1, role="moderator", prefix="mod")
    ((_, author_token),) = await add_users(database_url, 1, prefix="author")
    async with ChallengeClient(live.url, token=admin_token) as admin, \
            ChallengeClient(live.url, token=mod_token) as mod, \
            ChallengeClient(live.url, token=author_token) as author:
        await admin.create_challenge(ChallengeCreate.model_validate(
            challenge_spec(moderation="pre")))
        made = [await author.create_submission("change", SubmissionCreate(
            kind="story", title=f"Story {i}", body="It worked.")) for i in range(3)]
        page = await mod.moderation_queue(challenge="change", limit=2)
        assert page.total == 3 and len(page.items) == 2 and page.next_cursor
        everything = [item async for item in mod.iter_moderation_queue(page_size=1)]
        assert [i.id for i in everything] == [s.id for s in made]
        assert everything[0].author.email.startswith("author")
        assert everything[0].last_action is None

        result = await mod.decide(DecisionCreate(action="approve", targets=[
            DecisionTarget(type="submission", id=s.id, seen_action=0) for s in made[:2]]))
        assert [i.status for i in result.items] == ["published", "published"]
        with pytest.raises(Conflict) as conflict:
            await mod.decide(DecisionCreate(action="reject", reason="No", targets=[
                DecisionTarget(type="submission", id=made[0].id, seen_action=0)]))
        assert f"(action {result.action.id})" in conflict.value.message
        assert conflict.value.field_errors().keys() == {"targets.0"}
        with pytest.raises(Invalid) as invalid:
            await mod.decide(DecisionCreate(action="merge", targets=[
                DecisionTarget(type="submission", id=made[2].id)]))
        assert "merge_into" in invalid.value.field_errors()
        with pytest.raises(Forbidden):
            await author.moderation_queue()
        with pytest.raises(Forbidden):
            await author.undo_action(result.action.id)

        log = await mod.moderation_log(action="approve")
        assert [a.id for a in log.items] == [result.action.id]
        back = await mod.undo_action(result.action.id)
        assert back.action.undone_at is not None
        assert [i.status for i in back.items] == ["pending", "pending"]
        with pytest.raises(Conflict):
            await mod.undo_action(result.action.id)
        with pytest.raises(NotFound):
            await mod.undo_action(999_999)

        rows = list(csv.DictReader(io.StringIO(await mod.export_challenge("change", "csv"))))
        assert sorted(int(r["id"]) for r in rows) == [s.id for s in made]
        lines = (await mod.export_challenge("change", "jsonl")).splitlines()
        assert [json.loads(x)["status"] for x in lines] == ["pending"] * 3
        guide = await mod.export_challenge("change", "markdown", top=3)
        assert guide.startswith("# Bottom")


def test_sync_client(live: LiveServer, database_url: str) -> None:
    ((_, admin_token),) = asyncio.run(add_users(database_url, 1, role="admin", prefix="admin"))
    ((_, author_token),) = asyncio.run(add_users(database_url, 1, prefix="author"))
    with SyncChallengeClient(live.url, token=admin_token) as admin, \
            SyncChallengeClient(live.url, token=author_token) as author:
        admin.create_challenge(ChallengeCreate.model_validate(challenge_spec(moderation="pre")))
        made = author.create_submission("change", SubmissionCreate(
            kind="idea", title="Swap rotas", body="Let people swap."))
        (item,) = list(admin.iter_moderation_queue())
        assert item.id == made.id and item.queued_for == ["pending"]
        assert admin.moderation_queue(type="comment").items == []
        done = admin.decide(DecisionCreate(action="hide", targets=[
            DecisionTarget(type="submission", id=made.id)]))
        assert done.items[0].status == "hidden"
        assert admin.moderation_log(target_type="submission", target_id=made.id
                                    ).items[0].id == done.action.id
        assert admin.undo_action(done.action.id).items[0].status == "pending"
        assert "Swap rotas" in admin.export_challenge("change", "jsonl")
