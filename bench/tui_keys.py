"""Cursor-key latency with 10,000 submissions, from the key to the frame a person sees.

The app runs in a pseudo-terminal against a ``change-challenge serve`` subprocess
(SQLite, one challenge of 10,000 submissions from ``seed scale``), as a person runs
it. For each press the harness writes the key's bytes to the terminal and reads what
the app draws (through a pyte screen, as a terminal would) until the highlighted row
shows another submission; the figure is the time from writing the key to reading
that frame. The keys wander through the list as a reader would: mostly down, a page
down every 50th press, a short pause between presses (so the next page loads as the
cursor nears the end of what is loaded, as it does for a person).

Two more figures come from the same presses:

- inside the app: from the driver parsing the key to the driver flushing the frame
  to the terminal (``bench.tui_keys_launch`` wraps Textual's driver; no app code
  changes), which leaves out the pty and the harness;
- a baseline, in the same run and through the same harness: a bare Textual app, a
  stock OptionList of 10,000 rows, sent the same keys. The ratio of medians says how
  the app's list compares with Textual's own.

Goal: median <= 16 ms, p99 <= 50 ms, judged on the outside figure.
"""

from __future__ import annotations

import asyncio
import os
import random
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pyte

from bench.client import demo_server

NAME = "tui-keys-server"
COLUMNS, LINES = 100, 30
DOWN, PAGE_DOWN = b"\x1b[B", b"\x1b[6~"
PAUSE = 0.03  # between presses: about a held key's repeat rate
PRESS_LIMIT = 5.0  # seconds a press may take before it counts as lost


@dataclass
class Run:
    """One app's presses: outside and inside latencies, in milliseconds."""

    outside: list[float] = field(default_factory=list)
    inside: list[float] = field(default_factory=list)
    lost: int = 0

    def _values(self, which: str) -> list[float]:
        return self.inside if which == "inside" else self.outside

    def median(self, which: str = "outside") -> float:
        return statistics.median(self._values(which))

    def p99(self, which: str = "outside") -> float:
        values = sorted(self._values(which))
        return values[min(len(values) - 1, int(len(values) * 0.99))]


@dataclass
class KeyFigures:
    presses: int
    app: Run
    bare: Run

    @property
    def ratio(self) -> float:
        return self.app.median() / self.bare.median()

    @property
    def met(self) -> bool:
        return self.app.median() <= 16 and self.app.p99() <= 50


class Terminal:
    """The launched process in a pty, its screen, and the cursor row it highlights."""

    def __init__(self, which: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(sys.executable, ["-m", "bench.tui_keys_launch", which],
                                   env={**env, "KEYS_LOG": str(log)},
                                   dimensions=(LINES, COLUMNS))
        self.cursor_bg: str | None = None
        self.column = 0

    def read(self, timeout: float) -> float | None:
        """Feed what the app has written to the screen; when it was read, or None.

        Everything already written is read before the screen is fed (pyte is slow),
        so the time stamp is of the last byte of a frame, not of pyte's work on it.
        """
        fd = self.child.child_fd
        if not select.select([fd], [], [], timeout)[0]:
            return None
        chunks = []
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the app has gone
                break
            if not data:
                break
            chunks.append(data)
            if not select.select([fd], [], [], 0)[0]:
                break
        when = time.monotonic()
        if not chunks:
            raise RuntimeError("the app closed its terminal")
        self.stream.feed(b"".join(chunks))
        return when

    def wait_for(self, text: str, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while text not in "\n".join(self.screen.display):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{text!r} never appeared:\n" + "\n".join(self.screen.display))
            self.read(1)

    def settle(self, quiet: float = 0.5, limit: float = 30) -> None:
        """Read until nothing has been drawn for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.read(quiet) is not None:
            pass

    def learn_cursor(self, text: str) -> None:
        """The highlight's background: that of the row showing ``text`` (highlighted)."""
        for y, line in enumerate(self.screen.display):
            if text in line:
                self.column = line.index(text)
                self.cursor_bg = self.screen.buffer[y][self.column].bg
                return
        raise RuntimeError(f"{text!r} is not on screen")

    def highlighted(self) -> str:
        for y in range(LINES):
            if self.screen.buffer[y][self.column].bg == self.cursor_bg:
                return self.screen.display[y].strip()
        return ""

    def press(self, key: bytes) -> tuple[float, float] | None:
        """Send ``key``; (when it was written, when the moved highlight was read)."""
        before = self.highlighted()
        sent = time.monotonic()
        os.write(self.child.child_fd, key)
        while time.monotonic() - sent < PRESS_LIMIT:
            when = self.read(PRESS_LIMIT)
            if when is not None and self.highlighted() != before:
                return sent, when
        return None

    def pause(self, seconds: float) -> None:
        """Keep reading (a terminal never stops) for ``seconds``."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.read(left)

    def close(self) -> None:
        if self.child.isalive():
            self.child.kill(9)
        self.child.close(force=True)


def inside_latencies(log: Path, presses: list[tuple[float, float]]) -> list[float]:
    """For each press: the key's parse to the last frame flushed before it was read."""
    keys: list[float] = []
    frames: list[float] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        kind, when, *_ = line.split()
        (keys if kind == "key" else frames).append(float(when))
    found: list[float] = []
    for sent, seen in presses:
        key = next((k for k in keys if k >= sent), None)
        frame = max((f for f in frames if f <= seen), default=None)
        if key is not None and frame is not None and frame >= key:
            found.append((frame - key) * 1000)
    return found


def drive(term: Terminal, keys: list[bytes]) -> Run:
    run = Run()
    presses: list[tuple[float, float]] = []
    pause = random.Random(1)
    for key in keys:
        timed = term.press(key)
        if timed is None:
            run.lost += 1
            continue
        presses.append(timed)
        run.outside.append((timed[1] - timed[0]) * 1000)
        term.pause(PAUSE * (0.5 + pause.random()))
    run.inside = inside_latencies(term.log, presses)
    return run


def key_sequence(presses: int) -> list[bytes]:
    return [PAGE_DOWN if i % 50 == 49 else DOWN for i in range(presses)]


async def run_keys_bench(submissions: int = 10_000, presses: int = 300,
                         seeded: Path | None = None) -> KeyFigures:
    """``seeded``: a copy of this SQLite database is used instead of seeding one (it
    must hold a ``seed scale --slug keys`` challenge)."""
    import shutil

    from client import ChallengeClient
    from client.models import Challenge

    slug = "keys"
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "keys.db"
        env = {**os.environ, "CHALLENGE_DATABASE_URL": f"sqlite:///{database}",
               "CHALLENGE_ARGON2_MEMORY_KIB": "1024", "CHALLENGE_ARGON2_TIME_COST": "1",
               "XDG_DATA_HOME": str(Path(tmp) / "data"),
               "XDG_CONFIG_HOME": str(Path(tmp) / "config"), "TERM": "xterm-256color",
               "COLORTERM": "truecolor"}
        if seeded is not None:
            shutil.copyfile(seeded, database)
        else:
            subprocess.run([sys.executable, "-m", "tui.cli", "seed", "scale", "--slug", slug,
                            "--users", "200", "--submissions", str(submissions), "--votes",
                            str(submissions), "--comments", "0"], env=env, check=True,
                           capture_output=True)
        server = demo_server(NAME, env)
        try:
            await server.start()
            async with ChallengeClient(server.url) as api:
                auth = await api.login(f"{slug}.1@example.org", "scale-password")
                api.token = auth.token
                challenge: Challenge = await api.get_challenge(slug)
                phase = challenge.current_phase
                hidden = phase is not None and not phase.show_counts
                first = (await api.list_submissions(
                    slug, kind=challenge.prompts[0].kind, sort="random" if hidden else "new",
                    limit=1)).items[0].title
            app_env = {**env, "CHALLENGE_SERVER": server.url, "CHALLENGE_TOKEN": auth.token}
            keys = key_sequence(presses)
            runs: dict[str, Run] = {}
            for which, wanted, run_env in (("bare", "Option 0:", env),
                                           ("app", first[:40], app_env)):
                term = Terminal(which, run_env, Path(tmp) / f"{which}.log")
                try:
                    term.wait_for(wanted)
                    term.settle()
                    term.learn_cursor(wanted)
                    runs[which] = drive(term, keys)
                finally:
                    term.close()
        finally:
            server.stop()
    return KeyFigures(presses=presses, app=runs["app"], bare=runs["bare"])


def report(f: KeyFigures) -> str:
    def line(run: Run, which: str) -> str:
        return f"median {run.median(which):.1f} ms, p99 {run.p99(which):.1f} ms"

    lost = f" ({f.app.lost} presses lost)" if f.app.lost or f.bare.lost else ""
    return "\n".join([
        f"cursor key to the frame on screen, 10,000 submissions, {f.presses} presses "
        f"through a pty: app {line(f.app, 'outside')} (goal 16 / 50 ms: "
        f"{'met' if f.met else 'MISSED'}){lost}",
        f"same keys, bare Textual app (an OptionList of 10,000 rows): "
        f"{line(f.bare, 'outside')}; ratio of medians app/bare {f.ratio:.2f}",
        f"inside the process (key parsed → frame flushed): app {line(f.app, 'inside')}, "
        f"bare {line(f.bare, 'inside')}",
    ])


async def record_keys(*, argv: Sequence[str], info: dict[str, str], write: bool,
                      quick: bool = False) -> bool:
    from datetime import UTC, datetime

    from bench.common import command_line, machine_line, record, say

    figures = await (run_keys_bench(submissions=2_000, presses=100) if quick
                     else run_keys_bench())
    text = report(figures)
    say(text)
    if write:
        record("tui-keys-quick" if quick else "tui-keys", "\n".join([
            f"**tui cursor keys** — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  ",
            f"command: `{command_line(list(argv))}`  ",
            f"machine: {machine_line(info)}  ", "",
            *[f"- {line}" for line in text.splitlines()]]),
            heading="Terminal app list: cursor-key latency" + (" (quick)" if quick else ""))
    return figures.met


if __name__ == "__main__":
    print(report(asyncio.run(run_keys_bench())))
