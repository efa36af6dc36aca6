"""Servers the benchmarks start in their own processes, and what they cost (CPU, memory)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import HOST, OUT, ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found.extend(int(c) for c in text)
    except OSError:
        pass
    return found


def _status_kib(pid: int, field: str) -> int:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(),
                          re.MULTILINE)
    except OSError:
        return 0
    return int(match.group(1)) if match else 0


def cpu_seconds_of(pid: int) -> float:
    """User and system CPU seconds of the process ``pid`` so far (0 once it is gone)."""
    return _cpu_seconds(pid)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of the whole line (11 and 12 after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A server process listening on ``HOST:port``; stopped by its own pid only."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    port: int
    health_path: str = "/api/v1/health"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return OUT / f"{self.name}.log"

    def spawn(self) -> subprocess.Popen[bytes]:
        OUT.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            # The access log goes to stdout: dropped, like a terminal nobody reads.
            self.process = subprocess.Popen(
                list(self.argv), env={**os.environ, **self.env}, stdout=subprocess.DEVNULL,
                stderr=log, cwd=ROOT)
        return self.process

    async def start(self, wait_seconds: float = 180.0) -> None:
        """Spawn the server and wait (bounded) until its health check answers."""
        process = self.spawn()
        timeout = wait_seconds
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, trust_env=False, timeout=5) as http:
            for _ in range(int(timeout / 0.2) + 1):
                if process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {process.returncode}; "
                                       f"see {self.log_path}")
                try:
                    if (await http.get(self.health_path)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s; "
                           f"see {self.log_path}")

    def _pids(self) -> list[int]:
        if self.process is None:
            return []
        return [self.process.pid, *_children(self.process.pid)]

    def peak_rss_mib(self) -> float:
        """VmHWM: the most resident memory the server (and any workers) ever had."""
        return sum(_status_kib(pid, "VmHWM") for pid in self._pids()) / 1024

    def rss_mib(self) -> float:
        """VmRSS: the resident memory of the server (and any workers) now."""
        return sum(_status_kib(pid, "VmRSS") for pid in self._pids()) / 1024

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self._pids())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def server_env(url: str) -> dict[str, str]:
    return {"CHALLENGE_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
