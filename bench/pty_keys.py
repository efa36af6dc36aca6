"""What the key-latency benches share: the app in a pty read through a pyte screen.

``bench.tui_keys`` (cursor keys in the list) and ``bench.moderation_tui`` (decision
keys on the moderation screen) both launch a process in a pseudo-terminal with
Textual's driver timed (``bench.tui_keys_launch``), write a key's bytes, and read what
is drawn until the screen shows the change; the figure is the time from writing the
key to reading that frame. The timed driver's log gives the figure inside the process.
"""

from __future__ import annotations

import os
import select
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pexpect
import pyte

PRESS_LIMIT = 5.0  # seconds a press may take before it counts as lost

Timed = tuple[float, float]  # when a key was written, when the frame showing it was read


@dataclass
class Run:
    """One app's presses of one kind: outside and inside latencies, in milliseconds."""

    outside: list[float] = field(default_factory=list)
    inside: list[float] = field(default_factory=list)
    lost: int = 0
    presses: list[Timed] = field(default_factory=list)

    def add(self, pressed: Timed | None) -> None:
        """Count a press: its latency, or a lost one."""
        if pressed is None:
            self.lost += 1
            return
        self.presses.append(pressed)
        self.outside.append((pressed[1] - pressed[0]) * 1000)

    def finish(self, log: Path) -> None:
        """The inside latencies of the presses, from the launched process's log."""
        self.inside = inside_latencies(log, self.presses)

    def _values(self, which: str) -> list[float]:
        return self.inside if which == "inside" else self.outside

    def median(self, which: str = "outside") -> float:
        values = self._values(which)
        return statistics.median(values) if values else float("nan")

    def p99(self, which: str = "outside") -> float:
        values = sorted(self._values(which))
        return values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("nan")

    def line(self, which: str = "outside") -> str:
        return f"median {self.median(which):.1f} ms, p99 {self.p99(which):.1f} ms"


class Terminal:
    """A launched process in a pty (``launcher`` run with ``which``) and its screen."""

    launcher: ClassVar[str]
    columns: ClassVar[int]
    lines: ClassVar[int]
    gap: ClassVar[float] = 0.0  # seconds: see ``read``

    def __init__(self, which: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.screen = pyte.Screen(self.columns, self.lines)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(sys.executable, ["-m", self.launcher, which],
                                   env={**env, "KEYS_LOG": str(log)},
                                   dimensions=(self.lines, self.columns))

    def read(self, timeout: float) -> float | None:
        """Feed what the app has written to the screen; when it was read, or None.

        Everything already written is read before the screen is fed (pyte is slow),
        so the time stamp is of the last byte of a frame, not of pyte's work on it.
        With a ``gap``, a pause that short is not the end of what was written: a large
        frame (one write, read in pieces) is read whole, each piece timed as it comes.
        """
        fd = self.child.child_fd
        if not select.select([fd], [], [], timeout)[0]:
            return None
        chunks = []
        when = time.monotonic()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the app has gone
                break
            if not data:
                break
            chunks.append(data)
            when = time.monotonic()
            if not select.select([fd], [], [], self.gap)[0]:
                break
        if not chunks:
            raise RuntimeError("the app closed its terminal")
        self.stream.feed(b"".join(chunks))
        return when

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_until(self, shown: Callable[[], bool], what: str, limit: float = 120) -> None:
        """Read until ``shown()``; an error naming ``what`` after ``limit`` seconds."""
        deadline = time.monotonic() + limit
        while not shown():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what!r} never appeared:\n{self.text()}")
            self.read(1)

    def settle(self, quiet: float = 0.5, limit: float = 30) -> None:
        """Read until nothing has been drawn for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.read(quiet) is not None:
            pass

    def press_until(self, key: bytes, shown: Callable[[], bool]) -> Timed | None:
        """Send ``key``; (when it was written, when a frame after which ``shown()`` was
        read), or None after ``PRESS_LIMIT`` seconds."""
        sent = time.monotonic()
        os.write(self.child.child_fd, key)
        while time.monotonic() - sent < PRESS_LIMIT:
            when = self.read(PRESS_LIMIT)
            if when is not None and shown():
                return sent, when
        return None

    def pause(self, seconds: float) -> None:
        """Keep reading (a terminal never stops) for ``seconds``."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.read(left)

    def close(self) -> None:
        if self.child.isalive() and os.environ.get("GUIDE_PROFILE"):
            self.child.kill(15)  # the launcher writes its profile, then exits
            self.child.wait()
        if self.child.isalive():
            self.child.kill(9)
        self.child.close(force=True)


def inside_latencies(log: Path, presses: list[Timed]) -> list[float]:
    """For each press: the key's parse to the last frame flushed before it was read."""
    keys: list[float] = []
    frames: list[float] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        kind, when, *_ = line.split()
        if kind == "key":
            keys.append(float(when))
        elif kind == "frame":
            frames.append(float(when))
    found: list[float] = []
    for sent, seen in presses:
        key = next((k for k in keys if k >= sent), None)
        frame = max((f for f in frames if f <= seen), default=None)
        if key is not None and frame is not None and frame >= key:
            found.append((frame - key) * 1000)
    return found


def terminal_env(tmp: Path, database: Path) -> dict[str, str]:
    """The environment of the server and the app: the SQLite ``database``, cheap password
    hashing, config and data under ``tmp``, a true-colour terminal."""
    return {**os.environ, "CHALLENGE_DATABASE_URL": f"sqlite:///{database}",
            "CHALLENGE_ARGON2_MEMORY_KIB": "1024", "CHALLENGE_ARGON2_TIME_COST": "1",
            "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config"),
            "TERM": "xterm-256color", "COLORTERM": "truecolor"}
