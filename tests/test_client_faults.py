"""The client's retry policy and error mapping under faults: dropped connections,
scripted status codes, timeouts and refused connections.

Socket-level faults use real sockets on 127.0.0.1; status-code policy uses an
``httpx.MockTransport`` (no socket behaviour is involved there).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import platform
import re
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from client import (
    ApiError,
    ChallengeClient,
    ChallengeError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    Invalid,
    NotFound,
    PayloadTooLarge,
    PhaseClosed,
    RateLimited,
    ResponseInvalid,
    ServerError,
    TimedOut,
    Unauthorized,
    __version__,
    load_config,
)
from client.models import ChallengeCreate, SubmissionCreate
from client.transport import BACKOFF_CAP, MAX_RETRY_AFTER
from server.db import Database
from server.tables import SubmissionRow
from tests.support import LiveServer, Sleeps, add_users, challenge_spec

SERVER = "http://127.0.0.1:9"  # never contacted: the MockTransport answers
PROBLEM_JSON = {"content-type": "application/problem+json"}
KEY_HEADER = re.compile(rb"^idempotency-key:[ \t]*(\S+)[ \t]*\r$", re.IGNORECASE | re.MULTILINE)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


# --- helpers -------------------------------------------------------------------------




Answer = httpx.Response | Exception


class Script:
    """A MockTransport handler: answers from a list, records every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.answers, f"unexpected extra request {request.method} {request.url}"
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self, *, retries: int = 2, sleep: Sleeps | None = None,
               jitter: Callable[[], float] | None = None,
               token: str | None = None) -> ChallengeClient:
        options: dict[str, Any] = {"sleep": sleep or Sleeps()}
        if jitter is not None:
            options["jitter"] = jitter
        return ChallengeClient(SERVER, token=token, retries=retries,
                               transport=httpx.MockTransport(self), **options)

    def keys(self) -> list[str | None]:
        return [r.headers.get("Idempotency-Key") for r in self.requests]


def problem(status: int, title: str = "Problem", *, headers: dict[str, str] | None = None,
            **fields: Any) -> httpx.Response:
    body = {"type": "about:blank", "title": title, "status": status, **fields}
    return httpx.Response(status, json=body, headers={**PROBLEM_JSON, **(headers or {})})


HEALTH = {"status": "ok", "version": "test", "database": "sqlite"}
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC).isoformat()
SUBMISSION = {"id": 7, "challenge": "change", "kind": "story", "title": "Huddles",
              "body": "Ten minutes a day.", "themes": [], "anonymous": False,
              "status": "published", "comments": 0, "created_at": NOW, "updated_at": NOW}
NEW_STORY = SubmissionCreate(kind="story", title="Huddles", body="Ten minutes a day.")


def ok_health() -> httpx.Response:
    return httpx.Response(200, json=HEALTH)


def created() -> httpx.Response:
    return httpx.Response(201, json=SUBMISSION)


# --- a proxy that drops the first response after the server has committed it -----------


class DroppingProxy:
    """Forwards bytes to ``upstream``; the first ``drops`` responses are read in full
    from upstream and then the client connection is closed (or reset) without them."""

    def __init__(self, upstream_port: int, *, drops: int = 1, reset: bool = False) -> None:
        self.upstream_port = upstream_port
        self.drops = drops
        self.reset = reset
        self.sent = bytearray()  # everything the client sent, every connection
        self.response_heads: list[bytes] = []
        self.dropped = 0
        self.connections = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def keys(self) -> list[bytes]:
        return KEY_HEADER.findall(bytes(self.sent))

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            self.sent.extend(data)
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        pump = asyncio.create_task(self._pump(reader, up_writer))
        try:
            for _ in range(1000):  # responses on this keep-alive connection
                head = await up_reader.readuntil(b"\r\n\r\n")
                self.response_heads.append(head)
                match = re.search(rb"(?im)^content-length:\s*(\d+)\r$", head)
                assert match is not None, head  # the app's JSON answers have a length
                body = await up_reader.readexactly(int(match.group(1)))
                if self.drops > 0:
                    self.drops -= 1
                    self.dropped += 1
                    if self.reset:
                        writer.transport.abort()
                    break
                writer.write(head + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            for w in (writer, up_writer):
                w.close()
                with contextlib.suppress(OSError):
                    await w.wait_closed()
            self._tasks.discard(task)


async def count_submissions(url: str) -> int:
    db = Database.connect(url, pool_size=1)
    try:
        async with db.read() as session:
            count: int = (await session.execute(
                select(func.count()).select_from(SubmissionRow))).scalar_one()
            return count
    finally:
        await db.dispose()


async def open_challenge(live: LiveServer, url: str) -> str:
    """A challenge open for submissions, and a participant's token."""
    ((_, admin_token), ) = await add_users(url, 1, role="admin", prefix="admin")
    ((_, token), ) = await add_users(url, 1, prefix="poster")
    async with ChallengeClient(live.url, token=admin_token) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
    return token


@pytest.fixture
async def proxy_factory(live: LiveServer) -> AsyncIterator[Callable[..., Any]]:
    made: list[DroppingProxy] = []

    async def make(**options: Any) -> DroppingProxy:
        proxy = DroppingProxy(live.port, **options)
        await proxy.start()
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        await proxy.stop()


# --- dropped response after commit ----------------------------------------------------


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
async def test_post_whose_answer_was_lost_is_retried_once_with_the_same_key(
        live: LiveServer, database_url: str, proxy_factory: Callable[..., Any],
        reset: bool) -> None:
    token = await open_challenge(live, database_url)
    proxy: DroppingProxy = await proxy_factory(reset=reset)
    sleeps = Sleeps()
    async with ChallengeClient(proxy.url, token=token, retries=2, sleep=sleeps) as api:
        story = await api.create_submission("change", NEW_STORY)
    assert story.title == "Huddles" and story.is_mine
    assert proxy.dropped == 1
    keys = proxy.keys()
    assert len(keys) == 2 and keys[0] == keys[1], keys
    assert len(sleeps.calls) == 1
    # The second answer was the server's replay of the first, not a second insert.
    assert b"idempotent-replayed: true" in proxy.response_heads[-1].lower()
    assert await count_submissions(database_url) == 1


async def test_post_whose_answer_was_lost_without_retries_raises_connection_failed(
        live: LiveServer, database_url: str, proxy_factory: Callable[..., Any]) -> None:
    token = await open_challenge(live, database_url)
    proxy: DroppingProxy = await proxy_factory()
    sleeps = Sleeps()
    async with ChallengeClient(proxy.url, token=token, retries=0, sleep=sleeps) as api:
        with pytest.raises(ConnectionFailed) as failed:
            await api.create_submission("change", NEW_STORY)
    assert not isinstance(failed.value, TimedOut)
    assert proxy.url in str(failed.value)
    assert len(proxy.keys()) == 1 and sleeps.calls == []
    assert await count_submissions(database_url) == 1  # the server did commit it


async def test_explicit_idempotency_key_survives_a_lost_answer(
        live: LiveServer, database_url: str, proxy_factory: Callable[..., Any]) -> None:
    """The TUI's queued post: the same key later gives the first answer, not a copy."""
    token = await open_challenge(live, database_url)
    proxy: DroppingProxy = await proxy_factory()
    async with ChallengeClient(proxy.url, token=token, retries=0, sleep=Sleeps()) as api:
        with pytest.raises(ConnectionFailed):
            await api.create_submission("change", NEW_STORY, idempotency_key="draft-42")
        story = await api.create_submission("change", NEW_STORY, idempotency_key="draft-42")
    assert proxy.keys() == [b"draft-42", b"draft-42"]
    assert story.title == "Huddles"
    assert await count_submissions(database_url) == 1


# --- status-code policy (MockTransport) -----------------------------------------------


async def test_retry_after_is_honoured() -> None:
    script = Script(problem(503, "Busy", headers={"Retry-After": "1"}), ok_health())
    sleeps = Sleeps()
    async with script.client(sleep=sleeps) as api:
        health = await api.health()
    assert health.status == "ok"
    assert sleeps.calls == [1.0]
    assert len(script.requests) == 2


async def test_retry_after_as_http_date_is_honoured() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"},
                                   text="slow down"), ok_health())
    sleeps = Sleeps()
    async with script.client(sleep=sleeps) as api:
        assert (await api.health()).status == "ok"
    assert sleeps.calls == [0.0]  # a date in the past: retry at once


async def test_retry_after_over_a_minute_is_not_waited_for() -> None:
    script = Script(problem(429, "Too many requests", headers={"Retry-After": "120"}))
    sleeps = Sleeps()
    async with script.client(sleep=sleeps) as api:
        with pytest.raises(RateLimited) as limited:
            await api.health()
    assert limited.value.retry_after == 120
    assert limited.value.status == 429
    assert len(script.requests) == 1 and sleeps.calls == []


async def test_rate_limited_after_retries_keeps_retry_after() -> None:
    script = Script(*[problem(429, "Slow down", headers={"Retry-After": "2"})
                      for _ in range(3)])
    sleeps = Sleeps()
    async with script.client(sleep=sleeps) as api:
        with pytest.raises(RateLimited) as limited:
            await api.health()
    assert sleeps.calls == [2.0, 2.0]
    assert limited.value.retry_after == 2 and len(script.requests) == 3


FIELD_ERRORS = [{"field": "title", "message": "too long"}]


@pytest.mark.parametrize(("status", "error"), [(409, Conflict), (422, Invalid)])
async def test_conflict_and_invalid_are_answers_not_retried(status: int,
                                                           error: type[ApiError]) -> None:
    script = Script(problem(status, "No", detail="Not like that.", errors=FIELD_ERRORS),
                    created(), created())
    sleeps = Sleeps()
    async with script.client(retries=2, sleep=sleeps) as api:
        with pytest.raises(error) as raised:
            await api.create_submission("change", NEW_STORY)
    assert len(script.requests) == 1 and sleeps.calls == []
    assert raised.value.status == status
    assert raised.value.field_errors() == {"title": "too long"}
    assert raised.value.message == "Not like that."


@pytest.mark.parametrize(("status", "error"),
                         [(502, ServerError), (503, ServerError), (504, ServerError),
                          (408, ApiError)])
@pytest.mark.parametrize("retries", [0, 2])
async def test_transient_statuses_are_retried_up_to_the_limit(
        status: int, error: type[ApiError], retries: int) -> None:
    script = Script(*[problem(status, f"Status {status}") for _ in range(retries + 1)])
    sleeps = Sleeps()
    async with script.client(retries=retries, sleep=sleeps) as api:
        with pytest.raises(error) as raised:
            await api.create_submission("change", NEW_STORY)
    assert raised.value.status == status
    assert len(script.requests) == retries + 1
    assert len(sleeps.calls) == retries
    keys = script.keys()
    assert keys[0] and keys == [keys[0]] * (retries + 1)


async def test_transient_then_success_post_reuses_its_key() -> None:
    script = Script(problem(502, "Bad gateway"), httpx.ConnectError("refused"),
                    httpx.Response(504, text="gateway timeout"), created())
    sleeps = Sleeps()
    async with script.client(retries=3, sleep=sleeps) as api:
        story = await api.create_submission("change", NEW_STORY)
    assert story.id == 7
    keys = script.keys()
    assert len(keys) == 4 and keys[0] and len(set(keys)) == 1
    assert len(sleeps.calls) == 3


async def test_each_post_gets_its_own_key_and_an_explicit_key_is_sent() -> None:
    script = Script(created(), created(), created())
    async with script.client() as api:
        await api.create_submission("change", NEW_STORY)
        await api.create_submission("change", NEW_STORY)
        await api.create_submission("change", NEW_STORY, idempotency_key="mine-1")
    first, second, third = script.keys()
    assert first and second and first != second
    assert third == "mine-1"


async def test_get_carries_no_idempotency_key() -> None:
    script = Script(problem(503, "Busy"), ok_health())
    async with script.client() as api:
        await api.health()
    assert script.keys() == [None, None]
    assert all(r.method == "GET" for r in script.requests)


async def test_token_is_sent_as_bearer() -> None:
    script = Script(ok_health())
    async with script.client(token="tok-123") as api:
        await api.health()
    assert script.requests[0].headers["Authorization"] == "Bearer tok-123"


def constant(value: float) -> Callable[[], float]:
    return lambda: value


@pytest.mark.parametrize("retries", [8])
async def test_backoff_without_retry_after_is_capped_and_jittered(retries: int) -> None:
    delays: dict[float, list[float]] = {}
    for jitter in (0.0, 1.0):
        script = Script(*[problem(503, "Busy") for _ in range(retries + 1)])
        sleeps = Sleeps()
        async with script.client(retries=retries, sleep=sleeps,
                                 jitter=constant(jitter)) as api:
            with pytest.raises(ServerError):
                await api.health()
        delays[jitter] = sleeps.calls
    low, high = delays[0.0], delays[1.0]
    assert len(low) == len(high) == retries
    assert all(0 < d <= BACKOFF_CAP for d in low + high)
    assert all(lo < hi for lo, hi in zip(low, high, strict=True))  # the jitter moves it
    assert all(lo >= hi / 2 for lo, hi in zip(low, high, strict=True))  # but not below half
    assert high == sorted(high) and high[0] < high[-1]  # it grows...
    assert high[-1] == high[-2] == BACKOFF_CAP  # ...up to the cap, and stays there
    assert max(high) <= MAX_RETRY_AFTER


async def test_connection_errors_back_off_too() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.ReadError("reset"), ok_health())
    sleeps = Sleeps()
    async with script.client(retries=2, sleep=sleeps, jitter=lambda: 0.5) as api:
        assert (await api.health()).status == "ok"
    assert len(sleeps.calls) == 2 and all(0 < d <= BACKOFF_CAP for d in sleeps.calls)
    assert sleeps.calls[0] < sleeps.calls[1]


@pytest.mark.parametrize("body", [
    json.dumps({"status": "ok"}),  # fields missing
    json.dumps({"status": "fine", "version": "1", "database": "x"}),  # wrong value
    "<html>not json</html>",
    "",
], ids=["missing-fields", "wrong-value", "html", "empty"])
async def test_a_2xx_that_does_not_match_the_model_is_response_invalid(body: str) -> None:
    script = Script(httpx.Response(200, text=body))
    async with script.client() as api:
        with pytest.raises(ResponseInvalid) as invalid:
            await api.health()
    assert "Health" in str(invalid.value)
    assert len(script.requests) == 1


async def test_a_non_json_500_is_a_readable_server_error() -> None:
    script = Script(httpx.Response(500, text="Internal Server Error\n",
                                   headers={"content-type": "text/plain"}))
    sleeps = Sleeps()
    async with script.client(sleep=sleeps) as api:
        with pytest.raises(ServerError) as raised:
            await api.health()
    assert raised.value.status == 500
    assert "Internal Server Error" in str(raised.value)
    assert raised.value.message.strip() == str(raised.value).strip()
    assert len(script.requests) == 1 and sleeps.calls == []  # 500 is not a transient status


async def test_an_empty_502_after_retries_is_a_server_error_with_a_message() -> None:
    script = Script(*[httpx.Response(502) for _ in range(3)])
    async with script.client() as api:
        with pytest.raises(ServerError) as raised:
            await api.health()
    assert raised.value.status == 502
    assert str(raised.value).strip()  # the reason phrase, at least


async def test_a_long_html_error_page_is_cut_short() -> None:
    page = "<html><body>" + "x" * 5000 + "</body></html>"
    script = Script(httpx.Response(500, html=page))
    async with script.client() as api:
        with pytest.raises(ServerError) as raised:
            await api.health()
    assert 0 < len(str(raised.value)) <= 500


PHASE_CLOSED_TYPE = "/problems/phase-closed"


@pytest.mark.parametrize(("status", "kind", "error", "not_error"), [
    (401, "about:blank", Unauthorized, Forbidden),
    (403, "about:blank", Forbidden, PhaseClosed),
    (403, PHASE_CLOSED_TYPE, PhaseClosed, None),
    (404, "about:blank", NotFound, None),
    (413, "about:blank", PayloadTooLarge, None),
    (400, "about:blank", ApiError, ServerError),
], ids=["401", "403", "403-phase-closed", "404", "413", "400"])
async def test_error_classes_by_status(status: int, kind: str, error: type[ApiError],
                                       not_error: type[ApiError] | None) -> None:
    response = httpx.Response(status, headers={**PROBLEM_JSON, "X-Request-ID": "req-9"},
                              json={"type": kind, "title": "T", "status": status,
                                    "detail": f"Detail {status}"})
    script = Script(response)
    async with script.client() as api:
        with pytest.raises(error) as raised:
            await api.create_submission("change", NEW_STORY)
    assert type(raised.value) is error
    if not_error is not None:
        assert not isinstance(raised.value, not_error)
    assert raised.value.status == status and raised.value.type == kind
    assert raised.value.request_id == "req-9"
    assert str(raised.value) == f"Detail {status}"
    assert len(script.requests) == 1


async def test_phase_closed_is_a_forbidden() -> None:
    script = Script(problem(403, "Closed", type=PHASE_CLOSED_TYPE, detail="Voting ended."))
    async with script.client() as api:
        with pytest.raises(Forbidden) as raised:
            await api.create_submission("change", NEW_STORY)
    assert isinstance(raised.value, PhaseClosed)
    assert raised.value.message == "Voting ended."


async def test_user_agent_names_client_python_and_os() -> None:
    script = Script(ok_health(), created())
    async with script.client() as api:
        await api.health()
        await api.create_submission("change", NEW_STORY)
    pattern = re.compile(r"^change-challenge/(\S+) \(Python (\d+\.\d+\.\d+\S*); ([^;()]+)\)$")
    for request in script.requests:
        match = pattern.match(request.headers["User-Agent"])
        assert match is not None, request.headers["User-Agent"]
        assert match.group(1) == __version__
        assert match.group(2) == platform.python_version()
        assert match.group(3) == platform.system()
        assert request.headers["Accept"] == "application/json"


@pytest.mark.parametrize(("raised", "error", "words"), [
    (httpx.ConnectTimeout("slow"), TimedOut, "connect"),
    (httpx.ReadTimeout("slow"), TimedOut, "answer"),
    (httpx.ProxyError("407 Proxy Authentication Required"), ConnectionFailed, "HTTPS_PROXY"),
    (httpx.RemoteProtocolError("Server disconnected"), ConnectionFailed, "127.0.0.1:9"),
])
async def test_transport_errors_have_clear_messages(raised: Exception,
                                                    error: type[ConnectionFailed],
                                                    words: str) -> None:
    script = Script(raised)
    async with script.client(retries=0) as api:
        with pytest.raises(error) as failed:
            await api.health()
    assert words in str(failed.value)
    assert "127.0.0.1:9" in str(failed.value)


# --- real sockets: timeouts and refused connections ------------------------------------


class SilentServer:
    """Accepts connections, reads whatever comes, never answers."""

    def __init__(self) -> None:
        self.accepted = 0
        self.release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def __aenter__(self) -> SilentServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self.release.set()
        self._server.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.accepted += 1
        try:
            await self.release.wait()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def test_a_server_that_never_answers_times_out() -> None:
    async with SilentServer() as silent:
        url = f"http://127.0.0.1:{silent.port}"
        sleeps = Sleeps()
        async with ChallengeClient(url, timeout=0.5, retries=0, sleep=sleeps) as api:
            with pytest.raises(TimedOut) as timed_out:
                await api.health()
        assert silent.accepted == 1
    assert isinstance(timed_out.value, ConnectionFailed)
    assert url in str(timed_out.value) and "in time" in str(timed_out.value)
    assert sleeps.calls == []


async def test_timeouts_are_retried() -> None:
    async with SilentServer() as silent:
        sleeps = Sleeps()
        async with ChallengeClient(f"http://127.0.0.1:{silent.port}", timeout=0.3,
                                   retries=1, sleep=sleeps) as api:
            with pytest.raises(TimedOut):
                await api.health()
        assert silent.accepted == 2
    assert len(sleeps.calls) == 1


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there now


async def test_connection_refused_names_the_address() -> None:
    port = closed_port()
    sleeps = Sleeps()
    async with ChallengeClient(f"http://127.0.0.1:{port}", retries=0, sleep=sleeps) as api:
        with pytest.raises(ConnectionFailed) as failed:
            await api.health()
    assert not isinstance(failed.value, TimedOut)
    assert f"127.0.0.1:{port}" in str(failed.value)
    assert sleeps.calls == []


async def test_connection_refused_is_retried_then_reported() -> None:
    port = closed_port()
    sleeps = Sleeps()
    async with ChallengeClient(f"http://127.0.0.1:{port}", retries=2, sleep=sleeps) as api:
        with pytest.raises(ConnectionFailed) as failed:
            await api.create_submission("change", NEW_STORY)
    assert len(sleeps.calls) == 2
    assert f"127.0.0.1:{port}" in str(failed.value)


async def test_timeouts_come_from_the_config(tmp_path: Path) -> None:
    async with SilentServer() as silent:
        config = load_config(tmp_path / "absent.toml",
                             environ={"CHALLENGE_SERVER": f"http://127.0.0.1:{silent.port}"},
                             timeout=0.3, retries=0)
        async with ChallengeClient.from_config(config, sleep=Sleeps()) as api:
            with pytest.raises(TimedOut):
                await api.health()
        assert silent.accepted == 1


GARBLED = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
           b"Content-Length: 8\r\nConnection: close\r\n\r\nnot gzip")


async def test_a_garbled_compressed_body_is_a_challenge_error() -> None:
    """A middlebox that mangles a gzip body: the caller still gets a ChallengeError
    (the TUI catches ChallengeError), never a raw httpx exception."""
    tasks: set[asyncio.Task[Any]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(GARBLED)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with ChallengeClient(f"http://127.0.0.1:{port}", retries=0,
                                   sleep=Sleeps()) as api:
            with pytest.raises(ChallengeError) as raised:
                await api.health()
        assert isinstance(raised.value, ResponseInvalid | ConnectionFailed)
    finally:
        server.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
