"""``change-challenge admin user list | set-role | block | unblock``, run as a separate
process against the database the API serves, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from server.config import Settings
from server.tables import UserRow
from tests.support import Person, TestApi, problem
from tests.test_cli import run


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No token cache in the serving process: the command runs in another process, which
    # cannot drop that cache (README: "within CHALLENGE_CACHE_SECONDS"), so these tests
    # see what the database says at once.
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], cache_seconds=0)


async def admin_user(api: TestApi, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        run, ["admin", "user", *args], {"CHALLENGE_DATABASE_URL": api.settings.database_url})


async def row(api: TestApi, who: Person) -> UserRow:
    async with api.db.read() as session:
        return (await session.execute(select(UserRow).where(UserRow.id == who.id))).scalar_one()


async def test_set_role_changes_what_the_api_lets_the_user_do(api: TestApi) -> None:
    who = await api.person()
    email = (await row(api, who)).email
    problem(await api.http.get("/moderation/queue", headers=who.headers), 403)

    done = await admin_user(api, "set-role", email.upper(), "moderator")  # any case
    assert done.returncode == 0, done.stderr
    assert "role participant -> moderator" in done.stdout
    assert (await row(api, who)).role == "moderator"
    r = await api.http.get("/moderation/queue", headers=who.headers)
    assert r.status_code == 200, r.text

    done = await admin_user(api, "set-role", email, "participant")
    assert done.returncode == 0, done.stderr
    problem(await api.http.get("/moderation/queue", headers=who.headers), 403)


async def test_block_refuses_posting_and_unblock_lets_the_same_session_back(
        api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    email = (await row(api, who)).email
    await api.submit(who)

    done = await admin_user(api, "block", f"  {email.title()} ")
    assert done.returncode == 0, done.stderr
    assert "is now blocked" in done.stdout
    assert (await row(api, who)).blocked
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": "Blocked", "body": "Refused.", "themes": []})
    assert problem(r, 403)["detail"] == "This account is blocked."
    again = await admin_user(api, "block", email)
    assert again.returncode == 0 and "already blocked" in again.stdout

    done = await admin_user(api, "unblock", email)
    assert done.returncode == 0, done.stderr
    assert not (await row(api, who)).blocked
    await api.submit(who, title="Back again")  # the token from before the block


async def test_list_is_a_table_in_creation_order_and_filters_by_role(api: TestApi) -> None:
    first, second, third = (await api.person("admin"), await api.person(),
                            await api.person("moderator"))
    start = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    async with api.db.write() as session:
        for n, who in enumerate((first, second, third)):
            # Created out of id order: the list follows creation time.
            await session.execute(update(UserRow).where(UserRow.id == who.id).values(
                created_at=start - timedelta(days=n), blocked=who is second))
        await session.commit()

    done = await admin_user(api, "list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["EMAIL", "DISPLAY", "NAME", "ROLE", "BLOCKED", "CREATED"]
    emails = [(await row(api, who)).email for who in (third, second, first)]
    assert [line.split()[0] for line in lines[1:]] == emails
    assert lines[2].split()[-4:] == ["participant", "yes", "2024-04-30", "09:30"]
    assert lines[3].split()[-4:] == ["admin", "no", "2024-05-01", "09:30"]

    done = await admin_user(api, "list", "--role", "moderator")
    assert [line.split()[0] for line in done.stdout.splitlines()[1:]] == emails[:1]


async def test_list_prints_no_control_characters_from_a_display_name(api: TestApi) -> None:
    who = await api.person()
    hostile = "\x1b]0;owned\x07Eve\x1b[2J\r\nX\x9b31m\tY"
    async with api.db.write() as session:
        await session.execute(update(UserRow).where(UserRow.id == who.id)
                              .values(display_name=hostile))
        await session.commit()

    done = await admin_user(api, "list")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2  # header and one row: no line break injected
    assert not any((ord(c) < 32 and c != "\n") or 0x7f <= ord(c) <= 0x9f for c in done.stdout)
    assert "]0;ownedEve[2J X31m Y" in done.stdout

    done = await admin_user(api, "block", (await row(api, who)).email)
    assert "\x1b" not in done.stdout and "[2J" in done.stdout


async def test_an_unknown_email_is_one_line_and_exit_1(api: TestApi) -> None:
    for command in (["block", "nobody@example.org"], ["unblock", "nobody@example.org"],
                    ["set-role", "nobody@example.org", "admin"]):
        done = await admin_user(api, *command)
        assert done.returncode == 1
        assert done.stderr == "change-challenge: no user has the email nobody@example.org\n"
        assert done.stdout == ""


async def test_a_role_that_does_not_exist_is_a_usage_error(api: TestApi) -> None:
    who = await api.person()
    done = await admin_user(api, "set-role", (await row(api, who)).email, "owner")
    assert done.returncode == 2
    assert "invalid choice: 'owner'" in done.stderr
    assert (await row(api, who)).role == "participant"
