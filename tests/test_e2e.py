"""``change-challenge demo`` in a real pseudo-terminal, read as a person would see it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pexpect
import pyte
import pytest

COLUMNS, LINES = 100, 30


class Terminal:
    """A pty running the command, and a pyte screen fed with what it prints.

    ``command``: the program and its first arguments (another install's
    ``change-challenge``, say); ``env``: variables set on top of the clean ones.
    """

    def __init__(self, home: Path, *args: str,
                 command: Sequence[str] = (sys.executable, "-m", "tui.cli"),
                 size: tuple[int, int] = (COLUMNS, LINES),
                 env: Mapping[str, str] | None = None) -> None:
        variables = {**os.environ, "XDG_DATA_HOME": str(home / "data"),
                     "XDG_CONFIG_HOME": str(home / "config"), "TERM": "xterm-256color",
                     "CHALLENGE_TOKEN_STORE": "memory"}
        variables.pop("CHALLENGE_SERVER", None)
        variables.pop("CHALLENGE_TOKEN", None)
        columns, lines = size
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(command[0], [*command[1:], *args],
                                   env={**variables, **(env or {})}, dimensions=(lines, columns))

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, wanted: str, limit: float = 60) -> None:
        """Read output until ``wanted`` is on screen (bounded by ``limit`` seconds)."""
        deadline = time.monotonic() + limit
        while wanted not in self.text:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{wanted!r} never appeared; the screen shows:\n"
                                     f"{self.text}")
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=min(left, 1)))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                raise AssertionError(f"exited before {wanted!r}:\n{self.text}") from None

    def open_live_challenge(self) -> None:
        """From the demo's list of challenges (newest first: the one in its develop
        phase, then the one open for votes), into the one open for votes."""
        self.wait_for("Change from the ground up")
        self.press("j", "\r")
        self.wait_for("sort: ")

    def press(self, *keys: str) -> None:
        for key in keys:
            self.child.send(key)

    def close(self) -> None:
        if self.child.isalive():
            self.child.kill(signal.SIGKILL)
        self.child.close(force=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path, "demo")
    try:
        yield term
    finally:
        term.close()


def test_demo_browse_sort_and_read(terminal: Terminal) -> None:
    terminal.open_live_challenge()
    terminal.wait_for("Amara Okafor │ ● live │ token: memory")  # the status bar, once live
    terminal.press("1")
    terminal.wait_for("sort: top")
    terminal.wait_for("A biomedical scientist spent")  # the demo's most supported story
    terminal.press("\r")
    terminal.wait_for("Comments")
    assert "Rajesh Varma" in terminal.text
    terminal.press("\x1b")  # esc: back to the list
    terminal.wait_for("sort: top")
    terminal.press("q")
    terminal.child.expect(pexpect.EOF, timeout=30)
    terminal.child.close()
    assert terminal.child.exitstatus == 0


def test_a_draft_survives_the_terminal_being_killed(tmp_path: Path) -> None:
    first = Terminal(tmp_path, "demo")
    try:
        first.open_live_challenge()
        first.press("n")
        first.wait_for("New submission")
        first.press(*"Keep this thought")
        drafts = tmp_path / "data" / "change-challenge" / "drafts"
        deadline = time.monotonic() + 30
        while not any("Keep this thought" in p.read_text() for p in drafts.glob("*.json")):
            assert time.monotonic() < deadline, "the draft was never saved"
            with contextlib.suppress(pexpect.TIMEOUT):  # keep the pty drained meanwhile
                first.stream.feed(first.child.read_nonblocking(65536, timeout=0.5))
    finally:
        first.close()  # SIGKILL: no chance to save on exit
    (saved,) = [json.loads(p.read_text()) for p in drafts.glob("*.json")]
    assert saved["title"] == "Keep this thought"
    second = Terminal(tmp_path, "demo")
    try:
        second.open_live_challenge()
        second.press("d")
        second.wait_for("Keep this thought")
    finally:
        second.close()


def test_an_admin_shortlists_a_suggestion_and_publishes_the_guide(tmp_path: Path) -> None:
    """``demo --as admin``: the challenge in its develop phase, D for its guide, s for
    the suggestions, a to shortlist the top one, esc to the guide, P and y to publish."""
    term = Terminal(tmp_path, "demo", "--as", "admin")
    try:
        term.wait_for("Giving time back to care")  # newest first: the one developing
        term.press("\r")
        term.wait_for("sort: ")
        term.press("D")
        term.wait_for("Guide: Giving time back to care · Not published · 5 entries")
        assert "Write observations once" in term.text
        term.press("s")
        term.wait_for("Suggestions · top-rated, not yet in the guide")
        term.wait_for("5 suggestions")
        top = next(line for line in term.screen.display if line.lstrip().startswith("#"))
        title = top.split(" ", 2)[-1].strip()[:30]
        term.press("a")
        term.wait_for("In the guide now:")
        term.press("\x1b")  # esc: the guide, with the new entry in its chapter
        term.wait_for("Not published · 6 entries")
        term.wait_for(title)
        term.press("P")
        term.wait_for("Publish the guide?")
        term.press("y")
        term.wait_for("Guide: Giving time back to care · Published")
        term.wait_for("The guide is published")
    finally:
        term.close()
