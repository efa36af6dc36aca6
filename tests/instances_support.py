"""Server instances in processes of their own (``change-challenge serve``), sharing one
PostgreSQL database, for the tests of many instances acting as one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

#: Caches kept a minute: what an instance shows after a change on another is the bus's
#: doing, never an entry that happened to expire.
ENV = {
    "CHALLENGE_CACHE_SECONDS": "60",
    "CHALLENGE_PAGE_CACHE_SECONDS": "60",
    "CHALLENGE_ARGON2_TIME_COST": "1",
    "CHALLENGE_ARGON2_MEMORY_KIB": "256",
    "CHALLENGE_ALLOWED_EMAIL_DOMAINS": "",
    "CHALLENGE_AUTH_ATTEMPTS_PER_IP": "1000",
    "CHALLENGE_LOGIN_FAILURES_PER_ACCOUNT_AND_IP": "4",
    "CHALLENGE_LOGIN_FAILURES_PER_ACCOUNT": "50",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def command(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    """A ``change-challenge`` command on the database at ``url``."""
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **ENV, "CHALLENGE_DATABASE_URL": url},
                          timeout=120, check=False)


class Serve:
    """``change-challenge serve`` on a port of its own; stopped by its own pid."""

    def __init__(self, url: str, log: Path, *, workers: int = 1,
                 env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.url}/api/v1"
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers)],
            env={**os.environ, **ENV, **(env or {}), "CHALLENGE_DATABASE_URL": url},
            stdout=subprocess.DEVNULL, stderr=log.open("wb"))

    def ready(self, seconds: float = 90) -> None:
        """Until the health check answers (bounded); the log if the process ends."""
        with httpx.Client(trust_env=False, timeout=5) as http:
            for _ in range(int(seconds / 0.1)):
                if self.process.poll() is not None:
                    raise AssertionError(f"serve ended: {self.log.read_text()[-3000:]}")
                try:
                    if http.get(f"{self.api}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)  # polling a process that is starting up
        raise AssertionError(f"serve never answered: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
