"""Registration modes: by mail (no account discovery), open, closed."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from pydantic import ValidationError

from client import ApiError, ChallengeClient, SyncChallengeClient
from client.models import AuthResponse, RegistrationPending
from server.config import Settings
from server.security import Passwords
from tests.support import Clock, LiveServer, TestApi, problem

PASSWORD = "correct horse battery"
CODE_INVALID = "/problems/registration-code-invalid"


class Outbox:
    """The mails the server wrote to CHALLENGE_MAIL_OUTBOX, oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def mails(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found

    def last(self, to: str) -> EmailMessage:
        mine = [m for m in self.mails() if m["To"] == to]
        assert mine, f"no mail to {to}"
        return mine[-1]

    def code(self, to: str) -> str:
        text = self.last(to).get_content()
        match = re.search(r"\b(\d{4} \d{4})\b", text)
        assert match, text
        return match.group(1)


@pytest.fixture
def outbox(settings: Settings, tmp_path: Path) -> Outbox:
    settings.mail_outbox = tmp_path / "outbox"
    assert settings.registration_mode == "email"
    return Outbox(settings.mail_outbox)


@pytest.fixture
def mail_live(outbox: Outbox, live: LiveServer) -> LiveServer:
    """The live server, started after ``outbox`` configured mail (argument order)."""
    return live


@pytest.fixture
async def mail_api(outbox: Outbox, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """In process, for what needs the app's insides (the app is made after ``outbox``)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
        yield http


def registering(email_address: str, name: str = "Ada",
                password: str = PASSWORD) -> dict[str, str]:
    return {"email": email_address, "display_name": name, "password": password}


async def test_registration_by_mail_end_to_end(mail_live: LiveServer, outbox: Outbox) -> None:
    async with ChallengeClient(mail_live.url) as ada:
        pending = await ada.register("Ada@Example.org", "Ada", PASSWORD)
        assert isinstance(pending, RegistrationPending)
        assert (pending.status, pending.email) == ("confirmation_sent", "ada@example.org")
        assert ada.token is None
        mail = outbox.last("ada@example.org")
        assert mail["Subject"] == "Your Change Challenge registration"
        code = outbox.code("ada@example.org")
        auth = await ada.confirm_registration(pending, code)
        assert ada.token == auth.token
        assert (await ada.me()).email == "ada@example.org"
        assert auth.user.display_name == "Ada" and auth.expires_at > pending.expires_at
        with pytest.raises(ApiError) as reused:
            await ada.confirm_registration(pending, code)
        assert reused.value.status == 400 and reused.value.problem.type == CODE_INVALID
        await ada.logout()
        assert (await ada.login("ada@example.org", PASSWORD)).user.id == auth.user.id


def test_the_sync_client_registers_by_mail(mail_live: LiveServer, outbox: Outbox) -> None:
    with SyncChallengeClient(mail_live.url) as bob:
        pending = bob.register("bob@example.org", "Bob", PASSWORD)
        assert isinstance(pending, RegistrationPending)
        auth = bob.confirm_registration(pending.registration,
                                        outbox.code("bob@example.org").replace(" ", "-"))
        assert bob.me().id == auth.user.id


async def test_a_known_address_gets_the_same_answer(mail_live: LiveServer,
                                                    outbox: Outbox) -> None:
    async with httpx.AsyncClient(base_url=mail_live.url + "/api/v1") as http:
        first = await http.post("/auth/register", json=registering("ada@example.org"))
        code = outbox.code("ada@example.org")
        confirmed = await http.post("/auth/register/confirm", json={
            "registration": first.json()["registration"], "code": code})
        assert confirmed.status_code == 201, confirmed.text
        # A stranger tries Ada's address, and a new address, alike.
        known = await http.post("/auth/register",
                                json=registering("ada@example.org", "Eve", "eve's password"))
        new = await http.post("/auth/register", json=registering("new@example.org", "Eve"))
        for r in (known, new):
            assert r.status_code == 202, r.text
        shape = {k: type(v) for k, v in new.json().items()}
        assert {k: type(v) for k, v in known.json().items()} == shape
        assert known.json()["status"] == new.json()["status"] == "confirmation_sent"
        # Ada is told, and gets nothing that would make a second account.
        told = outbox.last("ada@example.org").get_content()
        assert "already has one" in told and not re.search(r"\d{4} \d{4}", told)
        assert "Eve" not in told
        tries = [await http.post("/auth/register/confirm", json={
            "registration": known.json()["registration"], "code": guess})
            for guess in ("00000000", code)]
        wrong_new = await http.post("/auth/register/confirm", json={
            "registration": new.json()["registration"], "code": "00000000"})
        details = {problem(r, 400, CODE_INVALID)["detail"] for r in [*tries, wrong_new]}
        assert len(details) == 1
        eve = await http.post("/auth/login", json={"email": "ada@example.org",
                                                   "password": "eve's password"})
        assert eve.status_code == 401


async def test_a_later_registration_cannot_use_the_owners_code(mail_live: LiveServer,
                                                               outbox: Outbox) -> None:
    """Eve registers Ada's address with her own password just after Ada: the newest
    mail Ada gets holds Eve's code, which must not make Ada's account Eve's."""
    async with httpx.AsyncClient(base_url=mail_live.url + "/api/v1") as http:
        ada = (await http.post("/auth/register", json=registering("ada@example.org"))).json()
        ada_code = outbox.code("ada@example.org")
        eve = (await http.post("/auth/register", json=registering(
            "ada@example.org", "Eve", "eve's password"))).json()
        eve_code = outbox.code("ada@example.org")
        assert eve_code != ada_code
        problem(await http.post("/auth/register/confirm", json={
            "registration": ada["registration"], "code": eve_code}), 400, CODE_INVALID)
        problem(await http.post("/auth/register/confirm", json={
            "registration": eve["registration"], "code": ada_code}), 400, CODE_INVALID)
        made = await http.post("/auth/register/confirm", json={
            "registration": ada["registration"], "code": ada_code})
        assert made.status_code == 201 and made.json()["user"]["display_name"] == "Ada"
        assert (await http.post("/auth/login", json={
            "email": "ada@example.org", "password": "eve's password"})).status_code == 401


async def test_wrong_codes_use_up_the_registration(mail_api: httpx.AsyncClient,
                                                   outbox: Outbox) -> None:
    r = await mail_api.post("/auth/register", json=registering("ada@example.org"))
    ticket = r.json()["registration"]
    code = outbox.code("ada@example.org")
    wrong = "1111 1111" if code != "1111 1111" else "2222 2222"
    for _ in range(5):
        problem(await mail_api.post("/auth/register/confirm", json={
            "registration": ticket, "code": wrong}), 400, CODE_INVALID)
    problem(await mail_api.post("/auth/register/confirm", json={
        "registration": ticket, "code": code}), 400, CODE_INVALID)


async def test_codes_expire(mail_api: httpx.AsyncClient, outbox: Outbox, clock: Clock,
                            settings: Settings) -> None:
    r = await mail_api.post("/auth/register", json=registering("ada@example.org"))
    clock.advance(timedelta(minutes=settings.registration_code_minutes, seconds=1))
    problem(await mail_api.post("/auth/register/confirm", json={
        "registration": r.json()["registration"], "code": outbox.code("ada@example.org")}),
        400, CODE_INVALID)


async def test_the_same_work_for_known_and_new_addresses(outbox: Outbox,
                                                         mail_api: httpx.AsyncClient,
                                                         app: FastAPI) -> None:
    class Counting(PasswordHasher):
        hashed = 0

        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            Counting.hashed += 1
            return super().hash(password, salt=salt)

    app.state.services.passwords = Passwords(1, 256, hasher=Counting(time_cost=1,
                                                                      memory_cost=256))
    first = await mail_api.post("/auth/register", json=registering("ada@example.org"))
    await mail_api.post("/auth/register/confirm", json={
        "registration": first.json()["registration"], "code": outbox.code("ada@example.org")})
    counts = []
    for address in ("ada@example.org", "new@example.org"):
        before, mails = Counting.hashed, len(outbox.mails())
        r = await mail_api.post("/auth/register", json=registering(address, "Eve"))
        assert r.status_code == 202
        counts.append((Counting.hashed - before, len(outbox.mails()) - mails))
    assert counts == [(1, 1), (1, 1)]  # one password hash and one mail each


async def test_an_address_gets_a_few_mails_at_most(mail_api: httpx.AsyncClient,
                                                   outbox: Outbox) -> None:
    answers = [await mail_api.post("/auth/register", json=registering("ada@example.org"))
               for _ in range(5)]
    assert [r.status_code for r in answers] == [202] * 5
    assert len(outbox.mails()) == 3


async def test_an_address_mail_cannot_go_to_is_refused(mail_api: httpx.AsyncClient,
                                                       outbox: Outbox) -> None:
    r = await mail_api.post("/auth/register", json=registering("a,b@example.org"))
    problem(r, 422, field="email")
    assert outbox.mails() == []


async def test_a_mail_that_cannot_be_sent_is_a_503(outbox: Outbox,
                                                   mail_api: httpx.AsyncClient) -> None:
    outbox.directory.parent.mkdir(parents=True, exist_ok=True)
    outbox.directory.write_text("a file where the outbox should be")
    body = problem(await mail_api.post("/auth/register", json=registering("a@example.org")),
                   503)
    assert "could not be sent" in body["detail"]


async def test_closed_registration(settings: Settings, api: TestApi) -> None:
    settings.registration = "closed"
    r = await api.http.post("/auth/register", json=registering("ada@example.org"))
    problem(r, 403, "/problems/registration-closed")
    r = await api.http.post("/auth/register/confirm",
                            json={"registration": "x", "code": "12345678"})
    problem(r, 403, "/problems/registration-closed")


async def test_open_registration_says_little_about_a_taken_address(api: TestApi) -> None:
    r = await api.http.post("/auth/register", json=registering("ada@example.org"))
    assert r.status_code == 201 and AuthResponse.model_validate(r.json())
    again = problem(await api.http.post("/auth/register",
                                        json=registering("ADA@example.org", "Eve")), 409)
    assert again["detail"] == "This address cannot be registered. If it is yours, sign in."
    assert "exist" not in str(again)


def test_which_mode_by_default(tmp_path: Path) -> None:
    assert Settings().registration_mode == "open"
    assert Settings(mail_outbox=tmp_path).registration_mode == "email"
    assert Settings(smtp_url="smtps://mail.example.org").registration_mode == "email"
    assert Settings(smtp_url="smtp://m", registration="open").registration_mode == "open"
    with pytest.raises(ValidationError, match="needs CHALLENGE_SMTP_URL"):
        Settings(registration="email")
    with pytest.raises(ValidationError, match="smtp://"):
        Settings(smtp_url="http://mail.example.org")


@pytest.fixture
def no_uvicorn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: runs.append(k))
    yield runs


@pytest.mark.parametrize("extra, warned", [
    ({}, True), ({"registration": "closed"}, False), ({"mail_outbox": "out"}, False)])
def test_serve_warns_once_when_registration_is_open(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_uvicorn: list[dict[str, Any]],
        extra: dict[str, Any], warned: bool) -> None:
    from server.cli import serve

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'serve.db'}", **extra)
    assert serve(settings, None, 0, 1) == 0 and len(no_uvicorn) == 1
    err = capsys.readouterr().err
    assert err.count("registration is open") == (1 if warned else 0)
    if warned:
        assert "CHALLENGE_SMTP_URL" in err
