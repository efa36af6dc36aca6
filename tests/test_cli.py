"""The ``change-challenge`` server commands, run as a user runs them."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pexpect
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from server.config import Settings
from server.db import Database
from server.seed.demo import seed_demo
from server.tables import ChallengeRow, CommentRow, SubmissionRow, UserRow, VoteRow
from tests.conftest import PG_ADMIN, _pg_admin
from tests.support import reset_database

EXE = [sys.executable, "-m", "tui.cli"]


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EXE, *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, "CHALLENGE_ARGON2_MEMORY_KIB": "256",
                               "CHALLENGE_ARGON2_TIME_COST": "1", **env}, timeout=120)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"CHALLENGE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


async def fetch_user(url: str, email: str) -> UserRow | None:
    db = Database.connect(url, pool_size=1)
    try:
        async with db.read() as session:
            return (await session.execute(
                select(UserRow).where(UserRow.email == email))).scalar_one_or_none()
    finally:
        await db.dispose()


def test_create_user_reads_the_password_from_stdin(sqlite_env: dict[str, str]) -> None:
    done = run(["admin", "create-user", "--email", "Mo@NHS.net", "--name", "Mo",
                "--role", "moderator"], sqlite_env, stdin="a long secret\n")
    assert done.returncode == 0, done.stderr
    assert "Created moderator" in done.stdout
    user = asyncio.run(fetch_user(Settings(database_url=sqlite_env["CHALLENGE_DATABASE_URL"])
                                  .database_url, "mo@nhs.net"))
    assert user is not None and user.role == "moderator"
    assert user.password_hash.startswith("$argon2id$")
    again = run(["admin", "create-user", "--email", "mo@nhs.net", "--name", "Mo",
                 "--password", "another secret"], sqlite_env)
    assert again.returncode == 1 and "exists" in again.stderr


def test_create_user_rejects_bad_input(sqlite_env: dict[str, str]) -> None:
    done = run(["admin", "create-user", "--email", "nope", "--name", "X",
                "--password", "short"], sqlite_env)
    assert done.returncode == 2
    assert "email" in done.stderr and "password" in done.stderr
    assert "Traceback" not in done.stderr


def test_server_commands_have_help() -> None:
    done = subprocess.run([*EXE, "serve", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "--workers" in done.stdout


async def count(db: Database, column: InstrumentedAttribute[int]) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count(column)))).scalar_one())


async def test_seed_demo(database_url: str) -> None:
    await reset_database(database_url)
    settings = Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256)
    now = datetime.now(UTC)
    assert await seed_demo(settings, quiet=True, now=now) == 0
    assert await seed_demo(settings, quiet=True, now=now) == 0  # a second run changes nothing
    db = Database.connect(database_url, pool_size=1)
    try:
        assert await count(db, SubmissionRow.id) >= 60
        assert await count(db, VoteRow.id) >= 300
        assert await count(db, CommentRow.id) >= 80
        assert await count(db, UserRow.id) >= 20
        async with db.read() as session:
            roles = set((await session.execute(select(UserRow.role))).scalars())
            anonymous = (await session.execute(select(func.count()).where(
                SubmissionRow.anonymous.is_(True)))).scalar_one()
            challenge = (await session.execute(select(ChallengeRow).where(
                ChallengeRow.slug == "bottom-up-change"))).scalar_one()
            kinds = set((await session.execute(select(SubmissionRow.kind))).scalars())
    finally:
        await db.dispose()
    assert roles == {"participant", "moderator", "admin"}
    assert anonymous > 0 and kinds == {"story", "idea"}
    assert len(challenge.themes) >= 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_health(url: str, proc: subprocess.Popen[str], limit: float = 60) -> httpx.Response:
    """Poll until the server answers (bounded); a subprocess gives no other signal."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.communicate()[1]}")
        try:
            return httpx.get(f"{url}/api/v1/health", timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not answer in time")


@pytest.fixture
def serve(sqlite_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([*EXE, "serve", "--port", str(port)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **sqlite_env})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_migrates_sqlite_by_itself(serve: str) -> None:
    health = httpx.get(f"{serve}/api/v1/health").json()
    assert health == {"status": "ok", "version": health["version"], "database": "sqlite"}
    assert httpx.get(f"{serve}/api/v1/challenges").json() == {"items": [], "next_cursor": None}
    openapi = httpx.get(f"{serve}/openapi.json").json()
    assert "/api/v1/challenges/{slug}/submissions" in openapi["paths"]


def test_postgres_needs_an_explicit_migrate() -> None:
    name = f"cc_cli_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    env = {"CHALLENGE_DATABASE_URL": f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"}
    try:
        refused = run(["serve", "--port", str(free_port())], env)
        assert refused.returncode == 2
        assert "change-challenge migrate" in refused.stderr
        migrated = run(["migrate"], env)
        assert migrated.returncode == 0, migrated.stderr
        assert "up to date (postgresql)" in migrated.stdout
        assert run(["migrate"], env).returncode == 0  # idempotent
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_client_imports_no_server_or_textual() -> None:
    probe = ("import sys, client, client.models; "
             "bad = [m for m in sys.modules if m.split('.')[0] in "
             "('server', 'tui', 'textual', 'fastapi', 'sqlalchemy')]; "
             "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout


def test_client_exports_what_it_lists() -> None:
    import client

    assert set(client.__all__) == {*client._LAZY, "__version__"}
    for name in client.__all__:
        assert getattr(client, name) is not None


# --- the app's exit status, and the server extra's absence --------------------------

def app_env(tmp_path: Path) -> dict[str, str]:
    """No server and no sign-in from this machine's settings: the app starts bare."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "CHALLENGE_TOKEN_STORE": "memory"}
    for name in ("CHALLENGE_SERVER", "CHALLENGE_TOKEN"):
        env.pop(name, None)
    return env


def test_an_app_that_cannot_start_exits_non_zero(tmp_path: Path) -> None:
    """The packages as the first wheel shipped them: tui/ without its stylesheet."""
    root = Path(__file__).resolve().parents[1]
    for package in ("client", "tui"):
        shutil.copytree(root / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tui" / "app.tcss").unlink()
    done = subprocess.run(EXE, cwd=tmp_path, env=app_env(tmp_path), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert "unable to read CSS file" in done.stderr
    assert str(tmp_path / "tui" / "app.tcss") in done.stderr.replace("\n", "")  # the copy
    assert done.returncode == 1


# The first screen is up (``ChallengeApp.started`` says so), then the app fails.
CRASH_AFTER_START = """\
import sys
from tui.app import ChallengeApp
def started(self): raise RuntimeError("injected after the first screen")
ChallengeApp.started = started
from tui.cli import main
sys.exit(main())
"""


def test_an_app_that_crashes_exits_non_zero(tmp_path: Path) -> None:
    from tests.test_e2e import Terminal

    terminal = Terminal(tmp_path, command=[sys.executable, "-c", CRASH_AFTER_START],
                        size=(80, 24))
    try:
        terminal.child.expect(pexpect.EOF, timeout=120)
        output = terminal.child.before.decode(errors="replace")
        terminal.child.close()
        assert "injected after the first screen" in output
        assert terminal.child.exitstatus == 1
    finally:
        terminal.close()


@pytest.mark.parametrize(("command", "absent"), [
    ("demo", "uvicorn"), ("demo", "fastapi"), ("serve", "pydantic_settings"),
    ("migrate", "pydantic_settings")])
def test_a_server_command_without_the_server_extra_says_what_to_install(
        command: str, absent: str, tmp_path: Path) -> None:
    """The extra's modules made unimportable (``None`` in ``sys.modules``), as in an
    install without it: one line, the command to run, no traceback."""
    probe = (f"import sys; sys.modules[{absent!r}] = None; "
             f"from tui.cli import main; sys.exit(main([{command!r}]))")
    done = subprocess.run([sys.executable, "-c", probe], env=app_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr == (f"change-challenge: '{command}' needs the server extra: "
                           f"pip install 'change-challenge[server]' ({absent} is missing)\n")


def test_only_a_missing_module_is_taken_for_a_missing_extra(tmp_path: Path) -> None:
    """An import that fails for another reason is a bug: shown in full, not hidden
    behind advice to install what is already there."""
    probe = ("import sys, types; sys.modules['uvicorn'] = types.ModuleType('uvicorn'); "
             "sys.modules['server.app'] = types.ModuleType('server.app'); "
             "from tui.cli import main; sys.exit(main(['demo']))")
    done = subprocess.run([sys.executable, "-c", probe], env=app_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert "ImportError: cannot import name 'create_app'" in done.stderr
    assert "needs the server extra" not in done.stderr


def test_keys_typed_ahead_are_not_echoed_and_the_terminal_is_restored(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the app takes the terminal, the terminal would echo a password typed
    ahead onto the screen; the command turns echo off at once, and back on at the end."""
    import termios

    from tui.terminal import keys_unechoed

    master, slave = os.openpty()
    os.set_blocking(master, False)

    def typed_ahead() -> bytes:
        os.write(master, b"secret\n")
        assert os.read(slave, 100) == b"secret\n"  # the line discipline is done with it
        try:
            return os.read(master, 100)  # what the terminal echoed, if anything
        except BlockingIOError:
            return b""

    with open(slave, closefd=False) as tty:
        monkeypatch.setattr(sys, "stdin", tty)
        assert b"secret" in typed_ahead()  # a terminal as it starts: echo on
        with keys_unechoed():
            assert typed_ahead() == b""
        assert termios.tcgetattr(slave)[3] & termios.ECHO
        assert b"secret" in typed_ahead()
    os.close(slave)
    os.close(master)
