"""A request the client can tell is invalid raises ``Invalid`` with the field errors the
server's 422 would name, before anything is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from client import ChallengeClient, ChallengeError, Invalid, SyncChallengeClient
from client.models import ChallengeCreate, SubmissionCreate
from tests.support import LiveServer, add_users, bearer, challenge_spec

# Nothing listens here: a request that went out would fail with ConnectionFailed.
NOWHERE = "http://127.0.0.1:9"

Call = Callable[[ChallengeClient], Awaitable[Any]]
CASES: list[tuple[str, Call, str]] = [
    ("add_comment", lambda api: api.add_comment(1, "x" * 70_000), "body"),
    ("add_comment", lambda api: api.add_comment(1, "\u200b\u3164", parent_id=0), "body"),
    ("register", lambda api: api.register("not an email", "Ada", "long enough"), "email"),
    ("login", lambda api: api.login("ada@nhs.net", ""), "password"),
    ("vote", lambda api: api.vote(1, 2), "value"),  # type: ignore[arg-type]
    ("flag_submission", lambda api: api.flag_submission(1, "rude"), "reason"),  # type: ignore[arg-type]
    ("flag_comment", lambda api: api.flag_comment(1, "spam", "n" * 1_001), "note"),
]


@pytest.mark.parametrize("name, call, field", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
async def test_invalid_arguments_raise_invalid_before_sending(
        name: str, call: Call, field: str) -> None:
    async with ChallengeClient(NOWHERE, token="t", retries=0) as api:
        with pytest.raises(Invalid) as raised:
            await call(api)
    error = raised.value
    assert isinstance(error, ChallengeError)
    assert error.status == 422 and error.type == "/problems/validation"
    assert field in error.field_errors(), error.errors
    assert error.message.startswith(f"{field}: ")


def test_the_sync_client_raises_invalid_too() -> None:
    with SyncChallengeClient(NOWHERE, token="t", retries=0) as api, \
            pytest.raises(Invalid) as raised:
        api.add_comment(1, "x" * 70_000)
    assert "at most 4,000 characters" in raised.value.field_errors()["body"]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


async def test_the_same_errors_as_the_servers_422(live: LiveServer, database_url: str) -> None:
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    async with ChallengeClient(live.url, token=token) as api:
        await api.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        made = await api.create_submission("change", SubmissionCreate(
            kind="story", title="t", body="b"))
        for body, parent in (("x" * 4_001, None), ("\u2800", 0), ("ok", -1)):
            with pytest.raises(Invalid) as raised:
                await api.add_comment(made.id, body, parent_id=parent)
            server = httpx.post(f"{live.url}/api/v1/submissions/{made.id}/comments",
                                headers=bearer(token), json={"body": body, "parent_id": parent})
            assert server.status_code == 422
            assert [e.model_dump() for e in raised.value.errors] == server.json()["errors"]
            assert raised.value.detail == server.json()["detail"]


async def test_a_length_over_the_limit_is_said_in_characters() -> None:
    """Not pydantic's "Value should have at most 20000 items after validation, not
    21204": a person reads characters, with the count they typed."""
    async with ChallengeClient(NOWHERE, token="t", retries=0) as api:
        with pytest.raises(Invalid) as raised:
            await api.edit_guide_entry(1, version=1, title="T" * 141, body="b" * 21_204)
    assert raised.value.field_errors() == {
        "title": "at most 140 characters (this is 141)",
        "body": "at most 20,000 characters (this is 21,204)"}
