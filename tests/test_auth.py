"""Registration, sign-in, throttling, sign-out and token expiry."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.support import DAY, TestApi, bearer

PASSWORD = "correct horse battery"


async def register(api: TestApi, email: str = "Ada@Example.org",
                   name: str = "Ada") -> dict[str, object]:
    r = await api.http.post("/auth/register",
                            json={"email": email, "display_name": name, "password": PASSWORD})
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


async def test_register_then_me(api: TestApi) -> None:
    body = await register(api)
    token = body["token"]
    assert isinstance(token, str) and len(token) >= 43  # 32 random bytes, base64url
    r = await api.http.get("/me", headers=bearer(token))
    assert r.status_code == 200
    me = r.json()
    assert me["email"] == "ada@example.org"
    assert me["role"] == "participant"
    assert "password_hash" not in me


async def test_email_is_unique_whatever_its_case(api: TestApi) -> None:
    await register(api, "ada@example.org")
    r = await api.http.post("/auth/register", json={
        "email": "ADA@EXAMPLE.ORG", "display_name": "Other", "password": PASSWORD})
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "email"


@pytest.mark.parametrize("payload, field", [
    ({"email": "no-at-sign", "display_name": "A", "password": PASSWORD}, "email"),
    ({"email": "a@b.org", "display_name": "A", "password": "short"}, "password"),
    ({"email": "a@b.org", "display_name": "   ", "password": PASSWORD}, "display_name"),
    ({"email": "a@b.org", "display_name": "A", "password": PASSWORD, "role": "admin"}, "role"),
])
async def test_register_rejects_bad_input(api: TestApi, payload: dict[str, str],
                                          field: str) -> None:
    r = await api.http.post("/auth/register", json=payload)
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]


async def test_allowed_email_domains(api: TestApi) -> None:
    api.settings.allowed_email_domains = ["nhs.net"]
    r = await api.http.post("/auth/register", json={
        "email": "ada@gmail.com", "display_name": "Ada", "password": PASSWORD})
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/email-domain-not-allowed"
    await register(api, "ada@NHS.net")


async def test_login_and_wrong_password(api: TestApi) -> None:
    await register(api)
    ok = await api.http.post("/auth/login",
                             json={"email": "ADA@example.org", "password": PASSWORD})
    assert ok.status_code == 200
    assert ok.json()["user"]["display_name"] == "Ada"
    assert ok.json()["expires_at"]
    wrong = await api.http.post("/auth/login",
                                json={"email": "ada@example.org", "password": "nope-nope"})
    assert wrong.status_code == 401
    unknown = await api.http.post("/auth/login",
                                  json={"email": "who@example.org", "password": PASSWORD})
    assert unknown.status_code == 401
    # The same message either way: no account discovery through sign-in.
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_login_throttled_after_failures(api: TestApi) -> None:
    await register(api)
    limit = api.settings.login_failures_per_account_and_ip
    for _ in range(limit):
        r = await api.http.post("/auth/login",
                                json={"email": "ada@example.org", "password": "wrong-wrong"})
        assert r.status_code == 401
    r = await api.http.post("/auth/login", json={"email": "ada@example.org",
                                                 "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["type"] == "/problems/rate-limited"
    assert 1 <= int(r.headers["Retry-After"]) <= api.settings.auth_window_seconds
    # Another account from the same address is not locked out by this one.
    await register(api, "bob@example.org", "Bob")


async def test_logout_revokes_the_token(api: TestApi) -> None:
    token = str((await register(api))["token"])
    r = await api.http.post("/auth/logout", headers=bearer(token))
    assert r.status_code == 204
    again = await api.http.get("/me", headers=bearer(token))
    assert again.status_code == 401
    assert "revoked" in again.json()["detail"]


async def test_token_expires(api: TestApi) -> None:
    token = str((await register(api))["token"])
    api.clock.advance(api.settings.token_lifetime_hours / 24 * DAY + DAY)
    r = await api.http.get("/me", headers=bearer(token))
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic abc"])
async def test_bad_tokens(api: TestApi, header: str) -> None:
    r = await api.http.get("/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"


async def test_tokens_are_stored_hashed(api: TestApi, app: FastAPI) -> None:
    from sqlalchemy import select

    from server.tables import SessionRow

    token = str((await register(api))["token"])
    async with app.state.services.db.read() as session:
        stored = list((await session.execute(select(SessionRow.token_hash))).scalars())
    assert stored and token not in stored
    assert all(len(h) == 64 for h in stored)
