"""TLS verification (trust store, explicit CA bundle) and proxies from the environment.

An HTTPS server is uvicorn on 127.0.0.1 with a certificate from a throw-away
``trustme`` CA; the proxy is a minimal asyncio forward proxy (absolute-URI
requests and CONNECT) that counts what goes through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import trustme
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from client import CertificateError, ChallengeClient, ConnectionFailed, load_config
from tests.support import LiveServer, Sleeps, add_users

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url




# --- an HTTPS server -------------------------------------------------------------------


class HealthApp:
    """A trivial app answering ``GET /api/v1/health``; counts the calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.app = Starlette(routes=[Route("/api/v1/health", self.health)])

    async def health(self, request: Request) -> JSONResponse:
        self.calls += 1
        return JSONResponse({"status": "ok", "version": "tls-test", "database": "none"})


class ThreadedUvicorn:
    """uvicorn in a thread on a socket bound up front (connections wait in the backlog)."""

    def __init__(self, app: Starlette, **config: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port: int = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                                    **config))
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def __enter__(self) -> ThreadedUvicorn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
        assert not self.thread.is_alive()


@dataclass
class Tls:
    url: str
    ca_pem: Path
    other_ca_pem: Path
    app: HealthApp


def https_server(tmp: Path, ca: trustme.CA, *identities: str
                 ) -> tuple[ThreadedUvicorn, HealthApp]:
    """An HTTPS health server whose certificate ``ca`` issued for ``identities``."""
    cert = ca.issue_cert(*identities)
    key_path, chain_path = tmp / f"{identities[0]}.key", tmp / f"{identities[0]}.pem"
    cert.private_key_pem.write_to_path(str(key_path))
    for i, blob in enumerate(cert.cert_chain_pems):
        blob.write_to_path(str(chain_path), append=i > 0)
    app = HealthApp()
    return ThreadedUvicorn(app.app, ssl_certfile=str(chain_path),
                           ssl_keyfile=str(key_path)), app


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tls]:
    tmp = tmp_path_factory.mktemp("tls")
    ca, other = trustme.CA(), trustme.CA()
    ca_pem, other_pem = tmp / "ca.pem", tmp / "other-ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    other.cert_pem.write_to_path(str(other_pem))
    server, app = https_server(tmp, ca, "127.0.0.1")
    with server:
        yield Tls(f"https://127.0.0.1:{server.port}", ca_pem, other_pem, app)


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


# --- TLS -------------------------------------------------------------------------------


async def test_an_unknown_ca_is_a_certificate_error_naming_the_ca_options(
        tls: Tls, no_proxies: pytest.MonkeyPatch) -> None:
    sleeps = Sleeps()
    before = tls.app.calls
    async with ChallengeClient(tls.url, sleep=sleeps) as api:
        with pytest.raises(CertificateError) as failed:
            await api.health()
    message = str(failed.value)
    assert "CHALLENGE_CA_BUNDLE" in message and "ca_bundle" in message
    assert tls.url in message
    assert isinstance(failed.value, ConnectionFailed)
    assert sleeps.calls == []  # a certificate failure is not retried
    assert tls.app.calls == before


async def test_the_ca_bundle_verifies_the_server(tls: Tls,
                                                 no_proxies: pytest.MonkeyPatch) -> None:
    async with ChallengeClient(tls.url, ca_bundle=tls.ca_pem) as api:
        health = await api.health()
    assert health.status == "ok" and health.version == "tls-test"


async def test_the_wrong_ca_bundle_is_never_silently_accepted(
        tls: Tls, no_proxies: pytest.MonkeyPatch) -> None:
    async with ChallengeClient(tls.url, ca_bundle=tls.other_ca_pem, retries=0) as api:
        with pytest.raises(CertificateError) as failed:
            await api.health()
    assert "CHALLENGE_CA_BUNDLE" in str(failed.value)


async def test_a_certificate_for_another_name_is_refused(
        tls: Tls, tmp_path: Path, no_proxies: pytest.MonkeyPatch) -> None:
    ca = trustme.CA()
    ca_pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    server, app = https_server(tmp_path, ca, "change.example.org")
    with server:
        async with ChallengeClient(f"https://127.0.0.1:{server.port}", ca_bundle=ca_pem,
                                   retries=0) as api:
            with pytest.raises(CertificateError):
                await api.health()
    assert app.calls == 0


async def test_ca_bundle_from_the_environment_through_load_config(
        tls: Tls, tmp_path: Path, no_proxies: pytest.MonkeyPatch) -> None:
    config = load_config(tmp_path / "absent.toml", environ={
        "CHALLENGE_SERVER": tls.url, "CHALLENGE_CA_BUNDLE": str(tls.ca_pem)})
    assert config.ca_bundle == tls.ca_pem
    async with ChallengeClient.from_config(config) as api:
        assert (await api.health()).status == "ok"
    without = load_config(tmp_path / "absent.toml", environ={"CHALLENGE_SERVER": tls.url},
                          retries=0)
    assert without.ca_bundle is None
    async with ChallengeClient.from_config(without) as api:
        with pytest.raises(CertificateError):
            await api.health()


async def test_ca_bundle_from_the_config_file(tls: Tls, tmp_path: Path,
                                              no_proxies: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'server = "{tls.url}"\nca_bundle = "{tls.ca_pem}"\n', encoding="utf-8")
    config = load_config(path, environ={})
    async with ChallengeClient.from_config(config) as api:
        assert (await api.health()).status == "ok"


# --- a forward proxy -------------------------------------------------------------------


class ForwardProxy:
    """Absolute-URI requests (plain HTTP) and CONNECT tunnels, to 127.0.0.1 only."""

    def __init__(self) -> None:
        self.request_lines: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(OSError):
                writer.write_eof()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        up_writer: asyncio.StreamWriter | None = None
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.removesuffix("\r\n\r\n").split("\r\n")
            self.request_lines.append(request_line)
            method, target, version = request_line.split(" ")
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
            else:
                parts = urlsplit(target)
                host, port = parts.hostname or "", str(parts.port or 80)
            if host != "127.0.0.1":
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", int(port))
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
            else:
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                kept = [h for h in header_lines if h.split(":", 1)[0].strip().lower()
                        not in ("connection", "proxy-connection", "keep-alive")]
                up_writer.write("\r\n".join([f"{method} {path} {version}", *kept,
                                             "Connection: close", "", ""]).encode("latin-1"))
                await up_writer.drain()
            upstream = asyncio.create_task(self._pipe(reader, up_writer))
            try:
                await self._pipe(up_reader, writer)
            finally:
                upstream.cancel()
                await asyncio.gather(upstream, return_exceptions=True)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for w in (writer, up_writer):
                if w is not None:
                    w.close()
                    with contextlib.suppress(OSError):
                        await w.wait_closed()
            self._tasks.discard(task)


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    async with ForwardProxy() as running:
        yield running


async def test_http_proxy_from_the_environment_is_used(
        live: LiveServer, database_url: str, proxy: ForwardProxy,
        no_proxies: pytest.MonkeyPatch) -> None:
    ((_, token),) = await add_users(database_url, 1, prefix="proxied")
    no_proxies.setenv("HTTP_PROXY", proxy.url)
    async with ChallengeClient(live.url, token=token) as api:
        assert (await api.health()).status == "ok"
        me = await api.me()  # headers (Authorization) pass through the proxy
    assert me.email == "proxied0@example.org"
    assert len(proxy.request_lines) == 2
    assert proxy.request_lines[0].startswith(f"GET {live.url}/api/v1/health ")


async def test_no_proxy_bypasses_the_proxy(live: LiveServer, proxy: ForwardProxy,
                                           no_proxies: pytest.MonkeyPatch) -> None:
    no_proxies.setenv("HTTP_PROXY", proxy.url)
    no_proxies.setenv("NO_PROXY", "127.0.0.1")
    async with ChallengeClient(live.url) as api:
        assert (await api.health()).status == "ok"
    assert proxy.request_lines == []


async def test_https_proxy_tunnels_and_still_verifies(
        tls: Tls, proxy: ForwardProxy, no_proxies: pytest.MonkeyPatch) -> None:
    no_proxies.setenv("HTTPS_PROXY", proxy.url)
    host = tls.url.removeprefix("https://")
    async with ChallengeClient(tls.url, ca_bundle=tls.ca_pem) as api:
        assert (await api.health()).status == "ok"
    assert proxy.request_lines == [f"CONNECT {host} HTTP/1.1"]
    async with ChallengeClient(tls.url, retries=0) as api:  # no bundle: refused, via proxy too
        with pytest.raises(CertificateError):
            await api.health()
    assert len(proxy.request_lines) == 2


async def test_an_unreachable_proxy_is_named_in_the_error(
        tls: Tls, no_proxies: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    no_proxies.setenv("HTTPS_PROXY", f"http://127.0.0.1:{dead}")
    async with ChallengeClient(tls.url, ca_bundle=tls.ca_pem, retries=0) as api:
        with pytest.raises(ConnectionFailed) as failed:
            await api.health()
    # The user has to learn that the proxy, not the server, is the problem.
    assert "PROXY" in str(failed.value).upper(), str(failed.value)
