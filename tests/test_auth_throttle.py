"""Sign-in throttling: one address cannot lock an account (or many) for others."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from server.app import create_app
from server.cli import uvicorn_options
from server.config import Settings
from server.services import Services
from tests.support import Clock, LiveServer, problem, reset_database

PASSWORD = "correct horse battery"
WRONG = "not the password"


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """Requests that reach the app from ``address`` (the ASGI scope's client)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport,
                                 base_url="http://test/api/v1") as http:
        yield http


async def register(http: httpx.AsyncClient, email: str) -> None:
    r = await http.post("/auth/register", json={"email": email, "display_name": "Someone",
                                                "password": PASSWORD})
    assert r.status_code == 201, r.text


async def sign_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD,
                  headers: dict[str, str] | None = None) -> httpx.Response:
    return await http.post("/auth/login", json={"email": email, "password": password},
                           headers=headers)


async def fail_until_refused(http: httpx.AsyncClient, email: str,
                             headers: dict[str, str] | None = None) -> httpx.Response:
    """Wrong passwords until the server answers 429; that answer (bounded)."""
    for _ in range(1000):
        r = await sign_in(http, email, WRONG, headers)
        if r.status_code != 401:
            problem(r, 429, "/problems/rate-limited")
            assert int(r.headers["Retry-After"]) >= 1
            return r
    raise AssertionError("never refused")


def services(app: FastAPI) -> Services:
    found: Services = app.state.services
    return found


async def test_an_attacker_address_does_not_lock_the_victim_out(app: FastAPI) -> None:
    async with client_at(app, "203.0.113.9") as attacker, \
            client_at(app, "198.51.100.7") as victim:
        await register(victim, "ada@example.org")
        refused = await fail_until_refused(attacker, "ada@example.org")
        assert "from this address" in refused.json()["detail"]
        # The attacker's address stays refused, even with the right password...
        problem(await sign_in(attacker, "ada@example.org"), 429)
        # ...while Ada, from her own address, signs in.
        ok = await sign_in(victim, "ADA@example.org")
        assert ok.status_code == 200, ok.text


async def test_one_address_cannot_lock_out_many_accounts(app: FastAPI,
                                                         settings: Settings) -> None:
    per_pair = settings.login_failures_per_account_and_ip
    accounts = [f"p{i}@example.org"
                for i in range(settings.auth_attempts_per_ip // per_pair + 2)]
    async with client_at(app, "198.51.100.1") as setup:
        for email in accounts:
            await register(setup, email)
    async with client_at(app, "203.0.113.9") as attacker:
        for email in accounts:
            await fail_until_refused(attacker, email)
    for n, email in enumerate(accounts):
        async with client_at(app, f"198.51.100.{10 + n}") as owner:
            r = await sign_in(owner, email)
            assert r.status_code == 200, (email, r.text)


async def spread_failures(app: FastAPI, email: str, network: str) -> None:
    """5 failures, at most 2 from any one address: each address within its budget."""
    for n, count in enumerate((2, 2, 1)):
        async with client_at(app, f"{network}.{n}") as guesser:
            for _ in range(count):
                problem(await sign_in(guesser, email, WRONG), 401)


async def test_distributed_guessing_reaches_the_account_ceiling(app: FastAPI) -> None:
    throttle = services(app).throttle
    throttle.account_address.limit, throttle.account.limit = 2, 5
    async with client_at(app, "198.51.100.7") as owner:
        await register(owner, "ada@example.org")
    await spread_failures(app, "ada@example.org", "203.0.113")
    async with client_at(app, "203.0.113.200") as fresh, \
            client_at(app, "198.51.100.7") as owner:
        refused = problem(await sign_in(fresh, "ada@example.org", WRONG), 429,
                          "/problems/rate-limited")
        assert refused["detail"] == "Too many failed sign-ins for this account; wait and retry."
        r = await sign_in(owner, "ada@example.org")
        problem(r, 429)
        assert 1 <= int(r.headers["Retry-After"]) <= throttle.account.window
        # The same holds for an email no account has: a 429 tells nothing.
        await spread_failures(app, "nobody@example.org", "192.0.2")
        problem(await sign_in(fresh, "nobody@example.org", WRONG), 429)


async def test_a_success_clears_that_address_failures(app: FastAPI,
                                                      settings: Settings) -> None:
    async with client_at(app, "198.51.100.7") as owner:
        await register(owner, "ada@example.org")
        for _ in range(3):
            # Typos, then the right password, again and again: never locked out.
            for _ in range(settings.login_failures_per_account_and_ip - 1):
                problem(await sign_in(owner, "ada@example.org", WRONG), 401)
            assert (await sign_in(owner, "ada@example.org")).status_code == 200


async def test_registration_shares_the_address_budget(app: FastAPI) -> None:
    services(app).throttle.address.limit = 3
    async with client_at(app, "203.0.113.9") as busy, client_at(app, "198.51.100.7") as other:
        for i in range(3):
            await register(busy, f"p{i}@example.org")
        r = await busy.post("/auth/register", json={
            "email": "p9@example.org", "display_name": "P", "password": PASSWORD})
        problem(r, 429, "/problems/rate-limited")
        assert int(r.headers["Retry-After"]) >= 1
        problem(await sign_in(busy, "p0@example.org"), 429)
        assert (await sign_in(other, "p0@example.org")).status_code == 200


def test_the_ceiling_must_exceed_what_one_address_can_do() -> None:
    with pytest.raises(ValidationError, match="lock an account for everyone"):
        Settings(login_failures_per_account_and_ip=10, login_failures_per_account=10)
    assert Settings().login_failures_per_account > Settings().login_failures_per_account_and_ip


# --- the client address behind a proxy, through a live server -----------------------


@contextmanager
def serving(settings: Settings, clock: Clock) -> Iterator[LiveServer]:
    """The app with the uvicorn options ``change-challenge serve`` uses."""
    server = LiveServer(create_app(settings, clock=clock),
                        **{**uvicorn_options(settings), "log_level": "warning"})
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_serve_ignores_forwarded_headers_by_default() -> None:
    options = uvicorn_options(Settings())
    assert options["proxy_headers"] is False
    trusted = uvicorn_options(Settings(forwarded_allow_ips="10.0.0.0/8, 127.0.0.1"))
    assert trusted["proxy_headers"] is True
    assert trusted["forwarded_allow_ips"] == "10.0.0.0/8, 127.0.0.1"


async def test_a_client_cannot_pick_its_address(settings: Settings, clock: Clock) -> None:
    """Without a trusted proxy, X-Forwarded-For is ignored: rotating it does not give
    an attacker a fresh budget per made-up address."""
    await reset_database(settings.database_url)
    with serving(settings, clock) as live:
        async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
            await register(http, "ada@example.org")
            for n in range(settings.login_failures_per_account_and_ip):
                r = await sign_in(http, "ada@example.org", WRONG,
                                  {"X-Forwarded-For": f"203.0.113.{n}"})
                problem(r, 401)
            problem(await sign_in(http, "ada@example.org", WRONG,
                                  {"X-Forwarded-For": "203.0.113.250"}), 429)


async def test_behind_a_trusted_proxy_the_victim_still_signs_in(settings: Settings,
                                                               clock: Clock) -> None:
    await reset_database(settings.database_url)
    settings.forwarded_allow_ips = "127.0.0.1"  # the test plays the proxy
    with serving(settings, clock) as live:
        async with httpx.AsyncClient(base_url=live.url + "/api/v1") as proxy:
            await register(proxy, "ada@example.org")
            attacker = {"X-Forwarded-For": "203.0.113.9"}
            await fail_until_refused(proxy, "ada@example.org", attacker)
            r = await sign_in(proxy, "ada@example.org", headers={
                "X-Forwarded-For": "198.51.100.7"})
            assert r.status_code == 200, r.text
            problem(await sign_in(proxy, "ada@example.org", headers=attacker), 429)


def test_a_ceiling_too_low_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from server.cli import main

    monkeypatch.setenv("CHALLENGE_LOGIN_FAILURES_PER_ACCOUNT", "5")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("change-challenge: bad setting: login_failures_per_account must be")
    assert err.count("\n") == 1
