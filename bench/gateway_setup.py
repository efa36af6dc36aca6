"""What a real ssh gateway stands on, for the gateway bench and the end-to-end tests
(``tests/gateway_support.py`` wraps these in fixtures): Debian's sshd (installed when
missing), a system account made as the README says, the wheel installed where that
account can run it, and sshd running the generated config on a loopback port.

Root only (sshd, useradd): ``require_root`` says so. Nothing here imports the tests.
"""

from __future__ import annotations

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
from typing import TypeVar

from tui.gateway.setup import find_sshd


class Unavailable(Exception):
    """Something the gateway needs cannot be had here (not root, no apt-get)."""


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise Unavailable(f"{what} runs as root (an account, sshd); this is uid "
                          f"{os.geteuid()}")


def apt_install(package: str) -> str | None:
    """``apt-get install`` (after an update when the first try fails); None when it
    worked, else what apt-get said last."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    said = ""
    for attempt in range(2):
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode == 0:
            return None
        said = (done.stdout + done.stderr).strip()[-2000:]
        if attempt == 0:  # stale package lists, most often
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=900)
    return said


def ensure_sshd() -> Path:
    """Debian's sshd (and the ssh client, which it depends on), installed when missing.
    ``Unavailable`` when not root; as root, a RuntimeError saying why when it cannot be
    had (nothing excuses it)."""
    require_root("the ssh gateway")
    found = find_sshd()
    if found is None or not shutil.which("ssh"):
        if not shutil.which("apt-get"):
            raise RuntimeError("no sshd or ssh, and no apt-get to install openssh-server "
                               "with: install OpenSSH's server and client")
        said = apt_install("openssh-server")
        found = find_sshd()
        if found is None or not shutil.which("ssh"):
            raise RuntimeError("no sshd or ssh after apt-get install openssh-server"
                               + (f"; apt-get said:\n{said}" if said else ""))
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation
    return found


def processes_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
    return found


def app_pids(uid: int) -> list[int]:
    """The sessions' Python processes (not the shells sshd starts them with)."""
    found = []
    for pid in processes_of(uid):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"session" in command and "python" in os.readlink(f"/proc/{pid}/exe"):
                found.append(pid)
    return found


def app_process(uid: int, limit: float = 30) -> int:
    """A session's Python process (the first found)."""
    deadline = time.monotonic() + limit
    while not (found := app_pids(uid)):
        if time.monotonic() > deadline:
            raise RuntimeError("no session process")
        time.sleep(0.1)
    return found[0]


@contextlib.contextmanager
def system_account(prefix: str = "ccgw") -> Iterator[pwd.struct_passwd]:
    """A system account made as the README says (no password, a home it cannot write
    to), its processes killed and the account removed afterwards."""
    name = f"{prefix}{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/",
                    "--shell", "/bin/sh", name], check=True, timeout=60)
    try:
        subprocess.run(["passwd", "-d", name], check=True, capture_output=True, timeout=60)
        yield pwd.getpwnam(name)
    finally:
        with contextlib.suppress(OSError, KeyError):
            for pid in processes_of(pwd.getpwnam(name).pw_uid):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["userdel", name], capture_output=True, timeout=60)


def open_dir(prefix: str) -> Path:
    """A temporary directory the account can reach (pytest's are under a 0700 one)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def build_wheel(root: Path, out: Path) -> Path:
    """The wheel of the tree at ``root`` as git sees it (tracked files, and new ones
    not ignored), built from a copy: a build leaves nothing in the tree."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root,
        capture_output=True, text=True, check=True, timeout=60).stdout.split("\n")
    source = Path(tempfile.mkdtemp(prefix="ccgw-source-"))
    try:
        for name in listed:
            if name and (root / name).is_file():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, source / name)
        done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out),
                               str(source)], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"the wheel did not build:\n{done.stderr[-3000:]}")
    finally:
        shutil.rmtree(source, ignore_errors=True)
    (built,) = out.glob("change_challenge-*.whl")
    return built


@contextlib.contextmanager
def installed_wheel(wheel: Path) -> Iterator[Path]:
    """The wheel in a virtual environment of the system's Python, in a directory the
    account can read (this interpreter may live under /root, which it cannot): ``bin``."""
    home = open_dir("ccgw-venv-")
    try:
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(home)],
                       check=True, capture_output=True, timeout=300)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(home / "bin" / "python"),
             "install", "--quiet", "--disable-pip-version-check", str(wheel)],
            capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"the wheel did not install:\n{done.stderr[-3000:]}")
        yield home / "bin"
    finally:
        shutil.rmtree(home, ignore_errors=True)


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
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answers on port {port}")
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
    max_sessions: int = 2

    def configure(self, *extra: str) -> None:
        """(Re)write the config with this install's command, as IT would."""
        done = subprocess.run(
            [str(self.bin / "change-challenge"), "gateway", "sshd-config", "--server",
             self.server, "--port", str(self.port), "--user", self.user.pw_name, "--dir",
             str(self.directory), "--listen", "127.0.0.1", "--max-sessions",
             str(self.max_sessions), *extra],
            capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(done.stdout + done.stderr)

    def reload(self) -> None:
        """sshd re-executes itself on SIGHUP, with the config as it is now."""
        pid_file = self.directory / "sshd.pid"
        pid_file.unlink()
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while not pid_file.exists():  # written again once the new sshd listens
            if time.monotonic() > deadline:
                raise RuntimeError("sshd did not come back")
            time.sleep(0.05)
        wait_listening(self.port)

    def ssh(self, *options: str) -> list[str]:
        # ssh keeps the first value given for an option: the caller's come first.
        return ["ssh", "-F", "/dev/null", *options, "-p", str(self.port), "-o",
                "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                f"{self.user.pw_name}@127.0.0.1"]


G = TypeVar("G", bound=Gateway)


@contextlib.contextmanager
def running_gateway(sshd: Path, account: pwd.struct_passwd, bin_dir: Path, server: str,
                    max_sessions: int = 2, kind: type[G] = Gateway,  # type: ignore[assignment]
                    ) -> Iterator[G]:
    """sshd with the generated config on a free loopback port, stopped afterwards;
    ``kind``: the Gateway (sub)class to describe it with."""
    directory = open_dir("ccgw-conf-")
    log = directory / "sshd.log"
    port = free_port()
    gw = kind(port, account, directory, None, log, bin_dir, server,  # type: ignore[arg-type]
              max_sessions)
    try:
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
    finally:
        shutil.rmtree(directory, ignore_errors=True)
