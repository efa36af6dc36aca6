"""A 5xx tells the person its request id, which is what the server's operators search for."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import Request
from sqlalchemy import text

from client import ChallengeClient
from client.errors import ServerError
from server.app import create_app
from server.config import Settings
from server.problems import DATABASE_RETRY_AFTER, DATABASE_UNAVAILABLE
from tests.support import Clock, LiveServer, Sleeps

CRASH = {"type": "about:blank", "title": "Internal server error", "status": 500,
         "detail": "The server failed; the request id helps its operators."}


def _client(*answers: httpx.Response) -> ChallengeClient:
    replies = list(answers)
    return ChallengeClient("http://challenge.test", retries=0,
                           transport=httpx.MockTransport(lambda _request: replies.pop(0)))


@pytest.mark.parametrize("body, headers", [
    ({**CRASH, "request_id": "abc123"}, {}),  # in the problem
    (CRASH, {"X-Request-ID": "abc123"}),  # in the header only
    ({**CRASH, "request_id": "abc123"}, {"X-Request-ID": "abc123"}),  # both: said once
], ids=["problem", "header", "both"])
async def test_a_server_error_shows_its_request_id(body: dict[str, object],
                                                   headers: dict[str, str]) -> None:
    answer = httpx.Response(500, json=body, headers={
        "content-type": "application/problem+json", **headers})
    async with _client(answer) as api:
        with pytest.raises(ServerError) as raised:
            await api.health()
    assert raised.value.request_id == "abc123"
    assert str(raised.value) == raised.value.message == (
        "The server failed; the request id helps its operators. (request id abc123)")


async def test_a_plain_text_5xx_shows_the_header_id() -> None:
    answer = httpx.Response(502, text="Bad gateway", headers={"X-Request-ID": "gw-7"})
    async with _client(answer) as api:
        with pytest.raises(ServerError) as raised:
            await api.health()
    assert str(raised.value) == "Bad gateway (request id gw-7)"


async def test_database_down_retried_then_told_with_the_id(tmp_path: Path) -> None:
    (tmp_path / "gone.db").mkdir()  # sqlite cannot open a directory: the database is down
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'gone.db'}")
    live = LiveServer(create_app(settings, clock=Clock()))
    live.start()
    sleeps = Sleeps()
    try:
        async with ChallengeClient(live.url, retries=2, sleep=sleeps) as api:
            with pytest.raises(ServerError) as raised:
                await api.list_challenges()
    finally:
        live.stop()
    error = raised.value
    assert (error.status, error.type) == (503, DATABASE_UNAVAILABLE)
    assert sleeps.calls == [DATABASE_RETRY_AFTER] * 2  # retried as Retry-After asked
    assert error.request_id and len(error.request_id) == 32
    assert str(error).endswith(f"(request id {error.request_id})")


async def test_the_server_logs_a_crash_with_its_request_id(
        caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaput")

    @app.get("/bad-query")
    async def bad_query(request: Request) -> None:
        async with request.app.state.services.db.read() as session:
            await session.execute(text("SELECT * FROM no_such_table"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://test") as http:
        r = await http.get("/boom", headers={"X-Request-ID": "trace-9"})
        # A database error that is not an outage is a bug: a 500 too, not a 503.
        bad = await http.get("/bad-query", headers={"X-Request-ID": "trace-10"})
    assert r.status_code == 500 and r.json()["request_id"] == "trace-9"
    assert "request trace-9 failed: RuntimeError: kaput" in caplog.messages
    assert bad.status_code == 500 and bad.json()["request_id"] == "trace-10"
    assert any(m.startswith("request trace-10 failed: OperationalError")
               for m in caplog.messages)
