"""One run of ``bench.network``: the app in a pty, a person's steps, each timed from
the key to the frame that shows it, with the requests and connections it made.

The steps (``STEPS``): start-up to the first row; sort by most discussed; open the
first submission (its body and first comment shown); support it (shown, then
confirmed: the first frame after the server's answer reached the app); back; the next
tab; then, after an idle pause, open that tab's first submission; after another, vote
on it. What the screen should show comes from the API (``Expected``), read before.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import pty_keys
from bench.network_proxy import DelayProxy

COLUMNS, LINES = 110, 50  # narrower than the wide layout (120): no detail pane
STEP_LIMIT = 20.0  # seconds a step may take before the run is abandoned
QUIET = 0.8  # seconds without drawing after a step before its requests are counted
ENTER, ESCAPE, DISCUSSED, NEXT_TAB, SUPPORT = b"\r", b"\x1b", b"3", b"]", b"+"

STEPS = ("start-up to first row", "change sort", "open submission", "vote shown",
         "vote confirmed", "switch tab", "open after pause", "vote after pause: shown",
         "vote after pause: confirmed")
PAUSED = ("open after pause", "vote after pause: shown", "vote after pause: confirmed")


def words_pattern(text: str, count: int = 5) -> re.Pattern[str]:
    """The first ``count`` words of ``text``'s first plain line, matched across any
    wrapping, markup or scrollbar between them."""
    for line in text.splitlines():
        if line.strip() and not re.search(r"[\[`|<]", line):
            words = re.findall(r"[A-Za-z0-9]+", line)[:count]
            if words:
                return re.compile(r"\W+".join(map(re.escape, words)))
    raise ValueError(f"no plain line in {text[:80]!r}")


@dataclass(frozen=True)
class Expected:
    """What each step should bring on screen."""

    first_story: str  # title of the first story in the sort the app starts with
    first_discussed_story: str
    story_body: re.Pattern[str]
    story_comment: re.Pattern[str]
    first_discussed_idea: str
    idea_body: re.Pattern[str]
    idea_comment: re.Pattern[str]


@dataclass
class Measure:
    ms: float
    requests: int
    connections: int
    paths: list[str] = field(default_factory=list)


class Terminal(pty_keys.Terminal):
    launcher = "bench.network_launch"
    columns, lines = COLUMNS, LINES

    def joined(self) -> str:
        return " ".join(line.strip() for line in self.screen.display)

    def row_at(self, y: int) -> str:
        return str(self.screen.display[y])


class Counter:
    """Requests (the server's log) and connections (the proxy) since the last ``take``."""

    def __init__(self, proxy: DelayProxy, requests_log: Path) -> None:
        self.proxy = proxy
        self.log = requests_log
        self.connections = proxy.connections
        self.offset = requests_log.stat().st_size if requests_log.exists() else 0

    def take(self) -> tuple[int, int, list[str]]:
        with self.log.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        complete = data[:data.rfind(b"\n") + 1]
        self.offset += len(complete)
        paths = [" ".join(line.split()[3:5]) for line in complete.decode().splitlines()]
        connections, self.connections = self.proxy.connections - self.connections, \
            self.proxy.connections
        return len(paths), connections, paths


def _confirmed_frame(log: Path, after: float) -> float | None:
    """The first frame flushed after the first vote answer logged after ``after``."""
    voted: float | None = None
    for line in log.read_text(encoding="utf-8").splitlines():
        kind, when, *_ = line.split()
        if kind == "voted" and float(when) >= after and voted is None:
            voted = float(when)
        elif kind == "frame" and voted is not None and float(when) >= voted:
            return float(when)
    return None


def run_steps(env: dict[str, str], log: Path, counter: Counter, expect: Expected,
              pause: float) -> dict[str, Measure]:
    """One app's run of ``STEPS``; raises RuntimeError when a step never shows."""
    out: dict[str, Measure] = {}
    term = Terminal("app", env, log)

    def until(shown: Callable[[], bool], what: str, since: float) -> float:
        deadline = since + STEP_LIMIT
        while not shown():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what!r} never appeared:\n{term.text()}")
            term.read(0.5)
        return time.monotonic()

    def counted(name: str, ms: float) -> None:
        term.settle(QUIET)
        requests, connections, paths = counter.take()
        out[name] = Measure(ms, requests, connections, paths)

    def press(key: bytes, shown: Callable[[], bool], what: str) -> float:
        sent = time.monotonic()
        os.write(term.child.child_fd, key)
        return (until(shown, what, sent) - sent) * 1000

    def vote(prefix: str) -> None:
        sent = time.monotonic()
        shown = press(SUPPORT, lambda: "you support this" in term.text(), "the vote")
        deadline = time.monotonic() + STEP_LIMIT
        while (frame := _confirmed_frame(log, sent)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the vote was never confirmed")
            term.read(0.2)
        out[f"{prefix}shown"] = Measure(shown, 0, 0)
        counted(f"{prefix}confirmed", (frame - sent) * 1000)

    try:
        started = time.monotonic()
        title = expect.first_story[:40]
        until(lambda: title in term.text(), title, started)
        y = next(i for i, line in enumerate(term.screen.display) if title in line)
        counted(STEPS[0], (time.monotonic() - started) * 1000)
        discussed = expect.first_discussed_story[:40]
        counted(STEPS[1], press(DISCUSSED, lambda: discussed in term.row_at(y), discussed))
        counted(STEPS[2], press(ENTER, lambda: bool(
            expect.story_body.search(term.joined())
            and expect.story_comment.search(term.joined())), "the story and its comment"))
        vote("vote ")
        press(ESCAPE, lambda: "sort: discussed" in term.text(), "the list again")
        counter.take()  # going back: not a step of the goals
        idea = expect.first_discussed_idea[:40]
        counted(STEPS[5], press(NEXT_TAB, lambda: idea in term.row_at(y), idea))
        term.pause(pause)
        counter.take()  # nothing is asked while the person reads (the live stream aside)
        counted(STEPS[6], press(ENTER, lambda: bool(
            expect.idea_body.search(term.joined())
            and expect.idea_comment.search(term.joined())), "the idea and its comment"))
        term.pause(pause)
        counter.take()
        vote("vote after pause: ")
    finally:
        term.close()
    return out
