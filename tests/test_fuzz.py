"""schemathesis over /openapi.json against a live server: no 5xx for any generated input."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from server.app import create_app
from server.config import Settings
from tests.support import Clock, LiveServer, add_users, bearer, challenge_spec, reset_database

# The document depends on the code only, so it is built without a database.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


async def _prepare(url: str) -> str:
    """A challenge with a submission and a comment for generated requests to hit."""
    await reset_database(url)
    (admin,) = await add_users(url, 1, role="admin", prefix="admin")
    return admin[1]


@pytest.fixture
def fuzz_target(database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    token = asyncio.run(_prepare(database_url))
    server = LiveServer(create_app(Settings(
        database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
        login_failures_per_account_and_ip=1000,
        login_failures_per_account=2000, auth_attempts_per_ip=100_000), clock=Clock()))
    server.start()
    headers = bearer(token)
    with httpx.Client(base_url=f"{server.url}/api/v1", headers=headers) as http:
        assert http.post("/challenges", json=challenge_spec()).status_code == 201
        made = http.post("/challenges/change/submissions",
                         json={"kind": "story", "title": "t", "body": "b"}).json()
        assert http.post(f"/submissions/{made['id']}/comments",
                         json={"body": "c"}).status_code == 201
    try:
        yield server.url, headers
    finally:
        server.stop()


@SCHEMA.exclude(path_regex="logout").parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_server_errors(case: Any, fuzz_target: tuple[str, dict[str, str]]) -> None:
    url, headers = fuzz_target
    response = case.call(base_url=url, headers=headers, timeout=30)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json")
