"""What the dropped-connection tests of the ssh gateway need besides its fixtures: a TCP
relay that can reset a connection on both sides, the processes of a connection, what a
session could have left on disk, and a person's drafts as the server keeps them."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tui.gateway.session import NOWHERE

# Where the account may write at all: the world-writable directories (its home is
# "/", root's) and the gateway's sessions directory, which it owns.
WRITABLE = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/run/lock"))


class Relay:
    """A TCP relay from a loopback port to ``target``: ``reset`` drops every connection
    at once with a RST to both ends (``SO_LINGER`` 0), as when a path dies under a
    firewall that rejects what follows."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.dropping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.accepted = 0
        accepting = threading.Thread(target=self.accept, daemon=True)
        accepting.start()

    def accept(self) -> None:
        with contextlib.suppress(OSError):  # the listener closed
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target), timeout=30)
                self.accepted += 1
                pump = threading.Thread(target=self.pump, args=(client, server), daemon=True)
                self.threads.append(pump)
                pump.start()

    def pump(self, client: socket.socket, server: socket.socket) -> None:
        ends = {client: server, server: client}
        try:
            while not self.dropping.is_set():
                ready, _, _ = select.select(list(ends), [], [], 0.05)
                for side in ready:
                    data = side.recv(65536)
                    if not data:
                        return
                    ends[side].sendall(data)
        except OSError:
            return
        finally:
            for side in ends:
                if self.dropping.is_set():
                    side.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
                side.close()

    def reset(self) -> None:
        self.dropping.set()
        for pump in self.threads:
            pump.join(timeout=10)

    def close(self) -> None:
        self.reset()
        with contextlib.suppress(OSError):  # wakes the accept (a close alone would not)
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def descendants(pid: int) -> set[int]:
    """Every process under ``pid`` (sshd's listener: each connection's monitor, the
    account's sshd, the shell and the app)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    """Alive (a zombie has ended: it only waits for its parent to read its status)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_ended(pids: set[int], limit: float) -> float:
    """Seconds until every one of ``pids`` has ended; fails past ``limit``."""
    started = time.monotonic()
    while alive := {pid for pid in pids if running(pid)}:
        assert time.monotonic() - started < limit, f"still running after {limit} s: {alive}"
        time.sleep(0.02)
    return time.monotonic() - started


def left_on_disk(uid: int, sessions: Path) -> list[str]:
    """Whatever the account has where it can write, but the session cap's lock files
    (in ``sessions``, the account's directory)."""
    found = [str(path) for root in WRITABLE for path in _walk(root)
             if _owner(path) == uid and not path.is_relative_to(sessions)]
    found += [str(path) for path in sessions.iterdir()
              if not (path.name.startswith("seat-") and path.suffix == ".lock"
                      and path.is_file())]
    if Path(NOWHERE).exists():
        found.append(NOWHERE)
    return found


def _walk(root: Path) -> Iterator[Path]:
    """Everything under ``root`` (os.walk goes on past a directory gone meanwhile)."""
    for where, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            yield Path(where, name)


def _owner(path: Path) -> int | None:
    try:
        return path.lstat().st_uid
    except OSError:
        return None


def api_token(server: str, email: str, password: str) -> str:
    signed = httpx.post(f"{server}/api/v1/auth/login", timeout=30,
                        json={"email": email, "password": password})
    assert signed.status_code == 200, signed.text
    token: str = signed.json()["token"]
    return token


def server_drafts(server: str, token: str) -> str:
    """The person's drafts on the server, as its API returns them (JSON text)."""
    kept = httpx.get(f"{server}/api/v1/me/drafts", timeout=30,
                     headers={"Authorization": f"Bearer {token}"})
    assert kept.status_code == 200, kept.text
    return kept.text
