"""Many ``ssh -tt`` sessions into a running gateway, each signed in and left on the
challenge list, and what they cost: the measuring half of ``bench.gateway``.

Every session is a real ``ssh`` client in a pseudo-terminal, read through a pyte
screen (``bench.pty_keys``), and every byte it receives is counted. The measured
session (the first) presses ``j``/``k`` on the challenge list, once alone on the
gateway and once with all the others open; the time from writing a key to reading
the frame with the highlight moved is its latency, and the bytes read until the
terminal is quiet again are what that key cost on screen (``rchar`` of the ssh
client: on the wire, encrypted, with the key's own byte). The others sit idle while
their processes' CPU is read from /proc.
"""

from __future__ import annotations

import os
import random
import select
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pyte

from bench import pty_keys
from bench.common import ROOT
from bench.gateway_figures import Memory, chain, cpu_seconds, memory_of, read_chars
from bench.gateway_setup import Gateway, app_pids
from bench.pty_keys import Run

COLUMNS, LINES = 100, 30
SIGN_IN = "Sign in to Change Challenge"
KEYS = (b"j", b"k")  # down, up: over and over on the list
QUIET = 0.15  # seconds with nothing drawn: the frame a key caused is complete
PACE = 0.1  # a pause after each press (a person's pace, at most)
BATCH = 5  # sessions opened at once (under sshd's MaxStartups of 10)
LIMIT = 120.0  # seconds for a batch to show a screen
TOASTS = 11.0  # seconds for a notification to go (the app gives some 10)


class CountingStream(pyte.ByteStream):
    """A pyte stream that counts the bytes it is fed."""

    def __init__(self, screen: pyte.Screen) -> None:
        super().__init__(screen)
        self.received = 0

    def feed(self, data: bytes) -> None:  # type: ignore[override]  # pyte says str
        self.received += len(data)
        super().feed(data)


class Session(pty_keys.Terminal):
    """A command (``ssh -tt`` to the gateway, or the baseline) in a pty, its screen and
    the bytes it was sent."""

    columns, lines = COLUMNS, LINES
    stream: CountingStream

    def __init__(self, command: Sequence[str], env: Mapping[str, str],
                 cwd: Path | None = None) -> None:
        self.log = Path(os.devnull)
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = CountingStream(self.screen)
        self.child = pexpect.spawn(command[0], list(command[1:]), env=dict(env),
                                   dimensions=(LINES, COLUMNS), cwd=cwd)

    @property
    def received(self) -> int:
        return self.stream.received

    def shows(self, text: str) -> bool:
        return text in self.text()

    def look(self) -> tuple[object, ...]:
        """What the screen shows: its text and its backgrounds (a highlight moving)."""
        rows = self.screen.buffer
        return (*self.screen.display,
                *(tuple(rows[y][x].bg for x in range(0, COLUMNS, 2)) for y in range(LINES)))

    def key(self, key: bytes) -> Press | None:
        """Press ``key``: its latency and bytes, or None when the screen never changed."""
        screen, wire = self.received, read_chars(self.child.pid)
        before = self.look()
        timed = self.press_until(key, lambda: self.look() != before)
        if timed is None:
            return None
        self.settle(QUIET, limit=5)
        return Press(timed, self.received - screen, read_chars(self.child.pid) - wire)

    def repaint(self) -> int:
        """The bytes of a full-screen repaint: the window one column narrower, then
        back (Textual draws all of it after a resize)."""
        drawn = 0
        for columns in (COLUMNS - 1, COLUMNS):
            before = self.received
            self.screen.resize(LINES, columns)
            self.child.setwinsize(LINES, columns)
            self.wait_until(lambda since=before: self.received > since,  # type: ignore[misc]
                            "a repaint", limit=30)
            self.settle(0.5)
            drawn = self.received - before
        return drawn


@dataclass(frozen=True)
class Press:
    timed: pty_keys.Timed
    screen: int  # bytes the terminal was sent
    wire: int  # bytes the ssh client read (its socket, and the key from its terminal)


@dataclass
class Keys:
    """One phase of presses in the measured session."""

    run: Run = field(default_factory=Run)
    screen: list[int] = field(default_factory=list)
    wire: list[int] = field(default_factory=list)
    cpu: float = 0.0  # seconds, of the session's processes over the presses

    @property
    def cpu_per_key(self) -> float:
        return self.cpu / len(self.screen) if self.screen else 0.0


def press_keys(session: Session, presses: int, pids: Sequence[int],
               others: Sequence[Session] = ()) -> Keys:
    """``j``/``k`` ``presses`` times, with a person's pause between; ``pids``: the
    processes whose CPU the presses cost; ``others`` are read (not measured) between."""
    keys = Keys()
    pace = random.Random(1)
    began = sum(cpu_seconds(pid) for pid in pids)
    for n in range(presses):
        press = session.key(KEYS[n % 2])
        if press is None:
            keys.run.add(None)
            continue
        keys.run.add(press.timed)
        keys.screen.append(press.screen)
        keys.wire.append(press.wire)
        pump(others, 0)
        session.pause(PACE * (0.5 + pace.random()))
    keys.cpu = sum(cpu_seconds(pid) for pid in pids) - began
    return keys


def pump(sessions: Sequence[Session], seconds: float) -> None:
    """Read whatever any of ``sessions`` is sent, for ``seconds`` (0: what is there)."""
    by_fd = {s.child.child_fd: s for s in sessions}
    end = time.monotonic() + seconds
    while by_fd:
        ready = select.select(list(by_fd), [], [], max(0.0, end - time.monotonic()))[0]
        for fd in ready:
            by_fd[fd].read(0)
        if time.monotonic() >= end and not ready:
            return


def wait_all(everyone: Sequence[Session], waiting: Mapping[Session, str],
             limit: float = LIMIT) -> None:
    """Read all sessions until each of ``waiting`` shows its text."""
    deadline = time.monotonic() + limit
    while not all(s.shows(text) for s, text in waiting.items()):
        if time.monotonic() > deadline:
            late = next(s for s, text in waiting.items() if not s.shows(text))
            raise RuntimeError(f"{waiting[late]!r} never appeared:\n{late.text()}")
        pump(everyone, 0.2)


def client_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color",
            "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/root")}


def open_sessions(gateway: Gateway, count: int, people: Sequence[tuple[str, str]],
                  title: str, everyone: list[Session]) -> list[Session]:
    """``count`` more sessions, ``BATCH`` at a time, each signed in as the next of
    ``people`` (typed into the sign-in screen) and showing ``title`` on the list."""
    opened: list[Session] = []
    for start in range(0, count, BATCH):
        batch = [Session(gateway.ssh("-tt"), client_env())
                 for _ in range(min(BATCH, count - start))]
        everyone.extend(batch)
        opened.extend(batch)
        wait_all(everyone, dict.fromkeys(batch, SIGN_IN))
        for offset, session in enumerate(batch):  # the n-th session: the n-th person
            email, password = people[(len(everyone) - len(batch) + offset) % len(people)]
            session.child.send(f"{email}\t{password}\r")
        wait_all(everyone, dict.fromkeys(batch, title))
    return opened


@dataclass
class Measured:
    sessions: int
    alone: Keys
    crowded: Keys
    repaint: int
    options: list[str]  # the list's options as shown (two lines each): the baseline's
    apps: list[Memory] = field(default_factory=list)
    sshd: list[Memory] = field(default_factory=list)  # per session, its sshd processes
    sshd_processes: list[int] = field(default_factory=list)  # how many, per session
    listener: Memory = field(default_factory=lambda: Memory(0, 0, 0))
    sign_in_cpu: list[float] = field(default_factory=list)  # seconds, per app
    idle_seconds: float = 0.0
    idle_app_cpu: list[float] = field(default_factory=list)  # seconds over the window
    idle_sshd_cpu: list[float] = field(default_factory=list)
    idle_bytes: list[int] = field(default_factory=list)  # sent to each terminal meanwhile
    # The measured session inside the second challenge, on its list of submissions:
    submissions: Keys = field(default_factory=Keys)
    inside: Memory = field(default_factory=lambda: Memory(0, 0, 0))
    inside_idle_cpu: float = 0.0  # seconds (app and sshd) over inside_idle_seconds
    inside_idle_seconds: float = 0.0
    inside_idle_bytes: int = 0


def list_options(session: Session, titles: Sequence[str]) -> list[str]:
    """Each title with the line under it, as the list shows them."""
    rows = session.screen.display
    found = []
    for title in titles:
        y = next(y for y, line in enumerate(rows) if title in line)
        found.append(f"{title}\n  {rows[y + 1].strip()}")
    return found


def measure(gateway: Gateway, people: Sequence[tuple[str, str]], titles: Sequence[str],
            sessions: int, presses: int, idle_seconds: float,
            toasts: float = TOASTS, inside_presses: int | None = None) -> Measured:
    """The whole measure: one session alone, then ``sessions`` in all (``titles``: the
    challenges the list shows, the first highlighted at first; ``toasts``: seconds
    to let notifications go before the first session is measured; ``inside_presses``:
    on the second challenge's submissions, ``presses`` unless said)."""
    everyone: list[Session] = []
    uid, listener = gateway.user.pw_uid, gateway.process.pid
    earlier = set(app_pids(uid))  # sessions not ours (none, on a gateway of its own)
    try:
        (first,) = open_sessions(gateway, 1, people, titles[0], everyone)
        first.pause(toasts)
        (app,) = set(app_pids(uid)) - earlier
        own = [app, *chain(app, listener)]
        repaint = first.repaint()
        alone = press_keys(first, presses, own)
        open_sessions(gateway, sessions - 1, people, titles[0], everyone)
        pump(everyone, 2.0)  # the last drawn, the first requests answered
        apps = [app, *sorted(set(app_pids(uid)) - earlier - {app})]
        if len(apps) != sessions:
            raise RuntimeError(f"{len(apps)} app processes for {sessions} sessions")
        chains = {pid: chain(pid, listener) for pid in apps}
        result = Measured(sessions, alone, Keys(), repaint, list_options(first, titles))
        result.sign_in_cpu = [cpu_seconds(pid) for pid in apps]
        app_before = {pid: cpu_seconds(pid) for pid in apps}
        sshd_before = {pid: sum(cpu_seconds(p) for p in chains[pid]) for pid in apps}
        bytes_before = [s.received for s in everyone]
        began = time.monotonic()
        pump(everyone, idle_seconds)
        result.idle_seconds = time.monotonic() - began
        result.idle_app_cpu = [cpu_seconds(pid) - app_before[pid] for pid in apps]
        result.idle_sshd_cpu = [sum(cpu_seconds(p) for p in chains[pid]) - sshd_before[pid]
                                for pid in apps]
        result.idle_bytes = [s.received - b for s, b in zip(everyone, bytes_before,
                                                             strict=True)]
        result.apps = [memory_of(pid) for pid in apps]
        result.sshd = [sum((memory_of(p) for p in chains[pid]), Memory(0, 0, 0))
                       for pid in apps]
        result.sshd_processes = [len(chains[pid]) for pid in apps]
        result.listener = memory_of(listener)
        result.crowded = press_keys(first, presses, own, everyone[1:])
        inside(first, own, result, presses if inside_presses is None else inside_presses,
               idle_seconds / 3, everyone[1:])
        return result
    finally:
        for session in everyone:
            session.close()


def inside(session: Session, own: Sequence[int], result: Measured, presses: int,
           idle_seconds: float, others: Sequence[Session]) -> None:
    """Into the second challenge (from the first row: ``j``, enter): keys on its list
    of submissions, its memory there, and its CPU left idle there (the phase clock
    runs on that screen)."""
    session.settle(QUIET)
    session.child.send(b"j")
    session.settle(QUIET)
    session.child.send(b"\r")
    session.wait_until(lambda: session.shows("sort: "), "a challenge's list", limit=60)
    session.settle(1.0)
    result.submissions = press_keys(session, presses, own, others)
    session.settle(1.0)
    result.inside = memory_of(own[0])
    before, sent = sum(cpu_seconds(pid) for pid in own), session.received
    began = time.monotonic()
    pump([session, *others], idle_seconds)
    result.inside_idle_seconds = time.monotonic() - began
    result.inside_idle_cpu = sum(cpu_seconds(pid) for pid in own) - before
    result.inside_idle_bytes = session.received - sent


def bare_keys(options: Sequence[str], presses: int) -> tuple[Keys, int]:
    """The baseline in a local pty: a stock OptionList of ``options``; its keys and a
    full repaint's bytes."""
    import json

    env = {**client_env(), "BARE_OPTIONS": json.dumps(list(options))}
    session = Session([sys.executable, "-m", "bench.gateway_bare"], env, cwd=ROOT)
    try:
        first = options[0].split("\n", 1)[0]
        session.wait_until(lambda: session.shows(first), first, limit=60)
        session.settle(0.5)
        repaint = session.repaint()
        return press_keys(session, presses, [session.child.pid]), repaint
    finally:
        session.close()
