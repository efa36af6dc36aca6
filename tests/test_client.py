"""Every client method against the real server over a real socket (SQLite)."""

from __future__ import annotations

import asyncio

import pytest

from client import (
    ChallengeClient,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PhaseClosed,
    SyncChallengeClient,
    Unauthorized,
)
from client.models import (
    AuthResponse,
    ChallengeCreate,
    ChallengeUpdate,
    Comment,
    SubmissionCreate,
    SubmissionUpdate,
    VoteResult,
)
from tests.support import DAY, LiveServer, add_users, challenge_spec, phase


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


async def admin_client(live: LiveServer, url: str) -> ChallengeClient:
    ((_, token),) = await add_users(url, 1, role="admin", prefix="admin")
    return ChallengeClient(live.url, token=token)


async def test_every_method(live: LiveServer, database_url: str) -> None:
    async with await admin_client(live, database_url) as admin, \
            ChallengeClient(live.url) as ada, ChallengeClient(live.url) as anon:
        assert (await anon.health()).status == "ok"
        created = await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        assert created.current_phase is not None
        updated = await admin.update_challenge("change", ChallengeUpdate(title="Renamed"))
        assert updated.title == "Renamed"
        page = await anon.list_challenges()
        assert [c.slug for c in page.items] == ["change"]
        assert (await anon.get_challenge("change")).prompts[0].kind == "story"

        auth = await ada.register("ada@example.org", "Ada", "a long password")
        assert isinstance(auth, AuthResponse)  # open registration: signed in at once
        assert ada.token == auth.token and auth.user.role == "participant"
        assert (await ada.me()).email == "ada@example.org"
        await ada.logout()
        assert ada.token is None
        await ada.login("ADA@example.org", "a long password")

        story = await ada.create_submission("change", SubmissionCreate(
            kind="story", title="Huddles", body="Ten minutes a day.",
            themes=["Time and capacity"]))
        assert story.is_mine and story.themes == ["Time and capacity"]
        idea = await ada.create_submission("change", SubmissionCreate(
            kind="idea", title="Swap rotas", body="Let people swap."))
        assert (await anon.get_submission(story.id)).title == "Huddles"
        edited = await ada.update_submission(story.id, SubmissionUpdate(title="Daily huddles"))
        assert edited.title == "Daily huddles"

        result = await admin.vote(story.id, 1)
        assert (result.my_vote, result.up, result.down) == (1, 1, 0)
        assert (await admin.get_submission(story.id)).my_vote == 1
        assert (await admin.unvote(story.id)).up == 0

        comment = await admin.add_comment(story.id, "Works on nights too?")
        reply = await ada.add_comment(story.id, "Yes.", parent_id=comment.id)
        comments = await anon.list_comments(story.id)
        assert [(c.id, c.parent_id) for c in comments.items] == [
            (comment.id, None), (reply.id, comment.id)]

        flag = await admin.flag_submission(idea.id, "off_topic", "not about change")
        assert flag.target_type == "submission"
        assert (await admin.flag_comment(reply.id, "other")).target_id == reply.id

        listed = await anon.list_submissions("change", kind="story", sort="top")
        assert [s.id for s in listed.items] == [story.id]
        found = [s.id async for s in anon.iter_submissions("change", q="huddles")]
        assert found == [story.id]
        stats = await anon.stats("change")
        assert stats.submissions == 2 and stats.comments == 2

        await ada.withdraw_submission(idea.id)
        with pytest.raises(NotFound):
            await anon.get_submission(idea.id)


async def test_iter_submissions_walks_every_page(live: LiveServer, database_url: str) -> None:
    async with await admin_client(live, database_url) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        made = await asyncio.gather(*[admin.create_submission("change", SubmissionCreate(
            kind="idea", title=f"Idea {i}", body="b")) for i in range(7)])
        for sort in ("new", "top", "discussed", "random"):
            seen = [s.id async for s in admin.iter_submissions("change", sort=sort,
                                                               page_size=3)]
            assert sorted(seen) == sorted(s.id for s in made), sort


async def test_mine_includes_what_is_held(live: LiveServer, database_url: str) -> None:
    async with await admin_client(live, database_url) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        held = await admin.create_submission("change", SubmissionCreate(
            kind="idea", title="Ring 07700 900123", body="b"))
        shown = await admin.create_submission("change", SubmissionCreate(
            kind="idea", title="Fine", body="b"))
        assert [s.id for s in (await admin.list_submissions("change")).items] == [shown.id]
        mine = (await admin.list_submissions("change", mine=True)).items
        assert [(s.id, s.status) for s in mine] == [(shown.id, "published"),
                                                    (held.id, "pending")]
        assert mine[1].status_reason and "phone number" in mine[1].status_reason


async def test_errors_are_typed(live: LiveServer, database_url: str) -> None:
    async with await admin_client(live, database_url) as admin, \
            ChallengeClient(live.url) as anon:
        with pytest.raises(Unauthorized) as unauthorized:
            await anon.me()
        assert unauthorized.value.status == 401 and unauthorized.value.request_id
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec(
            phases=[phase("Later", DAY, 2 * DAY, submissions=True)])))
        with pytest.raises(Conflict):
            await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        with pytest.raises(PhaseClosed) as closed:
            await admin.create_submission("change", SubmissionCreate(
                kind="story", title="t", body="b"))
        assert isinstance(closed.value, Forbidden) and "Later" in closed.value.message
        with pytest.raises(Invalid) as invalid:
            await admin.list_submissions("change", cursor="not-a-cursor")
        assert invalid.value.field_errors() == {"cursor": "invalid cursor"}
        with pytest.raises(NotFound):
            await anon.get_challenge("nope")
        async with ChallengeClient(live.url, token="forged") as forged:
            with pytest.raises(Unauthorized):
                await forged.me()


def test_sync_client(live: LiveServer, database_url: str) -> None:
    ((_, token),) = asyncio.run(add_users(database_url, 1, role="admin", prefix="admin"))
    with SyncChallengeClient(live.url, token=token) as api:
        api.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        made = [api.create_submission("change", SubmissionCreate(
            kind="story", title=f"Story {i}", body="b")) for i in range(5)]
        assert api.vote(made[0].id, -1).down == 1
        assert [s.id for s in api.iter_submissions("change", page_size=2)] == [
            s.id for s in reversed(made)]
        assert api.me().role == "admin"
        with pytest.raises(NotFound):
            api.get_submission(99_999)


async def test_supports_left_reaches_the_client(live: LiveServer, database_url: str) -> None:
    spec = challenge_spec(phases=[phase("Vote", -DAY, DAY, votes=True, comments=True,
                                        submissions=True, vote_budget=2)])
    ((_, token),) = await add_users(database_url, 1, prefix="ada")
    async with await admin_client(live, database_url) as admin, \
            ChallengeClient(live.url, token=token) as ada, ChallengeClient(live.url) as anon:
        await admin.create_challenge(ChallengeCreate.model_validate(spec))
        story = await ada.create_submission("change", SubmissionCreate(
            kind="story", title="Huddles", body="Ten minutes a day."))
        assert (await ada.get_challenge("change")).supports_left == 2
        assert (await ada.vote(story.id, 1)).supports_left == 1
        assert (await ada.get_challenge("change")).supports_left == 1
        assert (await ada.unvote(story.id)).supports_left == 2
        assert (await anon.get_challenge("change")).supports_left is None


def test_an_older_servers_answers_still_parse() -> None:
    """A server from before ``supports_left``: the field is simply unknown (None)."""
    result = VoteResult.model_validate({"submission_id": 1, "my_vote": 1})
    assert result.supports_left is None
    said = Comment.model_validate({"id": 1, "submission_id": 1, "body": "b", "status":
                                   "published", "created_at": "2026-01-01T00:00:00Z",
                                   "author": {"id": 2, "display_name": "Ada"}})
    assert said.anonymous is False and said.author is not None
