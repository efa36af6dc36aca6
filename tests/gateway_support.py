"""What the ssh gateway's end-to-end tests stand on: Debian's sshd, a system account, the
wheel installed where that account can run it, a seeded server, and sshd running the
generated config on a loopback port. One of each per module. The pieces are the gateway
bench's (``bench.gateway_setup``); these are their fixtures."""

from __future__ import annotations

import asyncio
import os
import pwd
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pexpect
import pytest

from bench import gateway_setup
from bench.gateway_setup import (
    app_process,
    free_port,
    processes_of,
    running_gateway,
    system_account,
)
from server.app import create_app
from server.config import Settings
from tests.support import LiveServer, add_users, bearer, challenge_spec, reset_database
from tests.test_e2e import Terminal

__all__ = ["app_process", "free_port", "processes_of"]

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")  # as tests/conftest.py
EMAIL, PASSWORD = "kim@example.org", "a long password"
TITLES = ("Ward rounds that work", "Clinics without queues")
SIGN_IN = "Sign in to Change Challenge"


def unavailable(why: str) -> None:
    """Under CI a missing piece is a failure; elsewhere (not root), a skip."""
    if CI:
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def sshd() -> Path:
    """Debian's sshd, installed when missing (root only: it also needs an account)."""
    try:
        return gateway_setup.ensure_sshd()
    except gateway_setup.Unavailable as why:
        unavailable(str(why))
        raise
    except RuntimeError as why:  # as root, nothing excuses it
        pytest.fail(str(why))


@pytest.fixture(scope="module")
def account(sshd: Path) -> Iterator[pwd.struct_passwd]:
    """A system account made as the README says, removed afterwards."""
    with system_account() as made:
        yield made


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Iterator[Path]:
    """The wheel in a virtual environment of the system's Python, in a directory the
    account can read (this interpreter lives under /root, which it cannot): ``bin``."""
    with gateway_setup.installed_wheel(wheel) as bin_dir:
        yield bin_dir


@pytest.fixture(scope="module")
def server(sqlite_url: str) -> Iterator[str]:
    """A live server with two challenges and a person with a password: its URL."""
    asyncio.run(reset_database(sqlite_url))
    settings = Settings(database_url=sqlite_url, argon2_time_cost=1, argon2_memory_kib=256,
                        allowed_email_domains=[], registration="open")
    live = LiveServer(create_app(settings))
    live.start()
    try:
        ((_, admin),) = asyncio.run(add_users(sqlite_url, 1, role="admin", prefix="admin"))
        for slug, title in zip(("wards", "clinics"), TITLES, strict=True):
            made = httpx.post(f"{live.url}/api/v1/challenges", headers=bearer(admin),
                              json=challenge_spec(slug, title=title), timeout=30)
            assert made.status_code == 201, made.text
        joined = httpx.post(f"{live.url}/api/v1/auth/register", timeout=30, json={
            "email": EMAIL, "display_name": "Kim", "password": PASSWORD})
        assert joined.status_code == 201, joined.text
        yield live.url
    finally:
        live.stop()


class Gateway(gateway_setup.Gateway):
    def terminal(self, home: Path, *options: str, term: str = "xterm-256color",
                 remote: str | None = None, env: dict[str, str] | None = None,
                 size: tuple[int, int] = (100, 30)) -> Terminal:
        """``ssh -tt`` in a pty; ``remote``: a command asked for."""
        command = [*self.ssh("-tt", *options), *([remote] if remote else [])]
        return Terminal(home, *command[1:], command=command[:1], size=size,
                        env={"TERM": term, **(env or {})})


@pytest.fixture(scope="module")
def gateway(sshd: Path, account: pwd.struct_passwd, installed: Path,
            server: str) -> Iterator[Gateway]:
    with running_gateway(sshd, account, installed, server, kind=Gateway) as running:
        yield running


def ends(terminal: Terminal, limit: float = 30) -> int | None:
    """Read to the end of the session; its exit status."""
    deadline = time.monotonic() + limit
    while True:
        try:
            terminal.stream.feed(terminal.child.read_nonblocking(65536, timeout=1))
        except pexpect.TIMEOUT:
            assert time.monotonic() < deadline, f"the session never ended:\n{terminal.text}"
        except pexpect.EOF:
            terminal.child.close()
            status: int | None = terminal.child.exitstatus
            return status
