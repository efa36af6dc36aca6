"""What the ssh gateway's end-to-end tests stand on: Debian's sshd, a system account, the
wheel installed where that account can run it, a seeded server, and sshd running the
generated config on a loopback port. One of each per module."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.config import Settings
from tests.support import LiveServer, add_users, bearer, challenge_spec, reset_database
from tests.test_e2e import Terminal
from tui.gateway.setup import find_sshd

CI = os.environ.get("CI") == "true"
EMAIL, PASSWORD = "kim@example.org", "a long password"
TITLES = ("Ward rounds that work", "Clinics without queues")
SIGN_IN = "Sign in to Change Challenge"


def unavailable(why: str) -> None:
    """Under CI a missing piece is a failure; elsewhere (not root), a skip."""
    if CI:
        pytest.fail(why)
    pytest.skip(why)


def apt_install(package: str) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    for attempt in range(2):
        if subprocess.run(install, env=env, capture_output=True, timeout=900).returncode == 0:
            return True
        if attempt == 0:  # stale package lists, most often
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=900)
    return False


@pytest.fixture(scope="module")
def sshd() -> Path:
    """Debian's sshd, installed when missing (root only: it also needs an account)."""
    if os.geteuid() != 0:
        unavailable("the gateway's end-to-end tests run as root (an account, sshd)")
    found = find_sshd()
    if found is None and shutil.which("apt-get"):
        apt_install("openssh-server")
        found = find_sshd()
    if found is None or not shutil.which("ssh"):  # as root, nothing excuses it
        pytest.fail("no sshd: apt-get install openssh-server failed")
    assert found is not None
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation
    return found


@pytest.fixture(scope="module")
def account(sshd: Path) -> Iterator[pwd.struct_passwd]:
    """A system account made as the README says, removed afterwards."""
    name = f"ccgw{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/",
                    "--shell", "/bin/sh", name], check=True, timeout=60)
    try:
        subprocess.run(["passwd", "-d", name], check=True, capture_output=True, timeout=60)
        yield pwd.getpwnam(name)
    finally:
        with contextlib.suppress(OSError):
            for pid in processes_of(pwd.getpwnam(name).pw_uid):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["userdel", name], capture_output=True, timeout=60)


def open_dir(prefix: str) -> Path:
    """A temporary directory the account can reach (pytest's are under a 0700 one)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Iterator[Path]:
    """The wheel in a virtual environment of the system's Python, in a directory the
    account can read (this interpreter lives under /root, which it cannot): ``bin``."""
    home = open_dir("ccgw-venv-")
    try:
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(home)],
                       check=True, capture_output=True, timeout=300)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(home / "bin" / "python"),
             "install", "--quiet", "--disable-pip-version-check", str(wheel)],
            capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        yield home / "bin"
    finally:
        shutil.rmtree(home, ignore_errors=True)


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if conn.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"nothing answers on port {port}"
        time.sleep(0.1)


@dataclass
class Gateway:
    port: int
    user: pwd.struct_passwd
    directory: Path
    process: subprocess.Popen[bytes]
    log: Path
    bin: Path
    server: str

    def configure(self, *extra: str) -> None:
        """(Re)write the config with this install's command, as IT would."""
        done = subprocess.run(
            [str(self.bin / "change-challenge"), "gateway", "sshd-config", "--server",
             self.server, "--port", str(self.port), "--user", self.user.pw_name, "--dir",
             str(self.directory), "--listen", "127.0.0.1", "--max-sessions", "2", *extra],
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def reload(self) -> None:
        """sshd re-executes itself on SIGHUP, with the config as it is now."""
        pid_file = self.directory / "sshd.pid"
        pid_file.unlink()
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while not pid_file.exists():  # written again once the new sshd listens
            assert time.monotonic() < deadline, "sshd did not come back"
            time.sleep(0.05)
        wait_listening(self.port)

    def ssh(self, *options: str) -> list[str]:
        # ssh keeps the first value given for an option: the caller's come first.
        return ["ssh", "-F", "/dev/null", *options, "-p", str(self.port), "-o",
                "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                f"{self.user.pw_name}@127.0.0.1"]

    def terminal(self, home: Path, *options: str, term: str = "xterm-256color",
                 remote: str | None = None, env: dict[str, str] | None = None) -> Terminal:
        """``ssh -tt`` in a pty; ``remote``: a command asked for."""
        command = [*self.ssh("-tt", *options), *([remote] if remote else [])]
        return Terminal(home, *command[1:], command=command[:1], size=(100, 30),
                        env={"TERM": term, **(env or {})})


@pytest.fixture(scope="module")
def gateway(sshd: Path, account: pwd.struct_passwd, installed: Path,
            server: str) -> Iterator[Gateway]:
    directory = open_dir("ccgw-conf-")
    log = directory / "sshd.log"
    port = free_port()
    gw = Gateway(port, account, directory, None, log, installed, server)  # type: ignore[arg-type]
    gw.configure()
    with log.open("wb") as out:
        gw.process = subprocess.Popen([str(sshd), "-D", "-e", "-f",
                                       str(directory / "sshd_config")],
                                      stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_listening(port)
        yield gw
    finally:
        gw.process.terminate()
        gw.process.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


def processes_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
    return found


def app_process(uid: int, limit: float = 30) -> int:
    """The session's Python process (not the shell sshd starts it with)."""
    deadline = time.monotonic() + limit
    while True:
        for pid in processes_of(uid):
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if b"session" in command and "python" in os.readlink(f"/proc/{pid}/exe"):
                    return pid
        assert time.monotonic() < deadline, "no session process"
        time.sleep(0.1)
