"""The ssh gateway under a changing window and a dropped connection, through Debian's
sshd and ``ssh -tt`` in a pseudo-terminal: the app redraws at each new size; when the
connection drops (the client killed, or the TCP connection reset) the session's processes
end, its seat is free again, nothing of it is left on disk, and the draft typed up to the
drop is on the server for the person's next session. Root only, like the other gateway
tests; one sshd with a cap of one session for the module."""

from __future__ import annotations

import pwd
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from bench.gateway_setup import running_gateway
from tests.gateway_drops import (
    Relay,
    api_token,
    descendants,
    left_on_disk,
    server_drafts,
    wait_ended,
)
from tests.gateway_support import (
    EMAIL,
    PASSWORD,
    SIGN_IN,
    TITLES,
    Gateway,
    account,
    app_process,
    ends,
    installed,
    server,
    sshd,
)
from tests.test_e2e import Terminal
from tests.test_wheel import dist, wheel
from tui.gateway.sshd_config import SESSIONS

__all__ = ["account", "dist", "installed", "server", "sshd", "wheel"]

ENDED_WITHIN = 15.0  # seconds from the drop to the last process of the session gone


@pytest.fixture(scope="module")
def gateway(sshd: Path, account: pwd.struct_passwd, installed: Path,
            server: str) -> Iterator[Gateway]:
    """One seat: a session that does not give its seat back keeps the next one out."""
    with running_gateway(sshd, account, installed, server, max_sessions=1,
                         kind=Gateway) as running:
        yield running


def wait_until(terminal: Terminal, done: Callable[[], bool], what: str,
               limit: float = 30) -> None:
    """Read what the session sends until ``done()`` (bounded by ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while not done():
        assert time.monotonic() < deadline, f"never {what}; the screen shows:\n{terminal.text}"
        try:
            terminal.stream.feed(terminal.child.read_nonblocking(65536, timeout=0.2))
        except pexpect.TIMEOUT:
            continue


def sign_in(terminal: Terminal) -> None:
    terminal.wait_for(SIGN_IN)
    terminal.press(*EMAIL, "\t", *PASSWORD, "\r")
    for title in TITLES:
        terminal.wait_for(title)


def resize(terminal: Terminal, columns: int, lines: int) -> None:
    """The window changes size: ssh passes it on (SIGWINCH, then a window-change
    request to sshd, which sets the remote pty's size and signals the app). The screen
    kept here is emptied first: whatever shows afterwards, the app drew at the new size."""
    terminal.screen.reset()
    terminal.screen.resize(lines, columns)
    terminal.child.setwinsize(lines, columns)


def test_the_app_redraws_at_each_new_window_size(gateway: Gateway, tmp_path: Path) -> None:
    terminal = gateway.terminal(tmp_path, size=(80, 24))
    try:
        sign_in(terminal)
        for columns, lines in ((120, 40), (60, 20), (80, 24)):
            resize(terminal, columns, lines)

            def drawn(columns: int = columns) -> bool:
                rows = terminal.screen.display
                return (rows[0].startswith(" Kim │")  # the status bar (live or not yet)
                        and "token: memory" in rows[0]
                        and rows[-1].startswith("q Quit")  # the key bar, on the last row
                        and rows[-1].rstrip().endswith("^p palette")  # right-aligned
                        and len(rows[-1].rstrip()) > columns - 4
                        and all(title in terminal.text for title in TITLES))

            wait_until(terminal, drawn, f"redrawn at {columns}x{lines}")
            # A challenge's phase and counts: on one line at 120 columns, two at 80 or 60.
            counts = [row for row in terminal.screen.display if "0 submissions" in row]
            assert len(counts) == 2
            assert all(("0 people" in row) == (columns == 120) for row in counts), counts
        terminal.press("\r")  # still at work: the first challenge opens at 80x24
        terminal.wait_for("sort: ")
        terminal.press("\x11")
        assert ends(terminal) == 0
    finally:
        terminal.close()


@pytest.mark.parametrize("drop", ["client killed", "connection reset"])
def test_a_dropped_connection_leaves_nothing_but_the_draft_on_the_server(
        gateway: Gateway, server: str, tmp_path: Path, drop: str) -> None:
    relay = Relay(gateway.port)
    token = api_token(server, EMAIL, PASSWORD)
    first = second = None
    try:
        route = ("-p", str(relay.port)) if drop == "connection reset" else ()
        first = gateway.terminal(tmp_path, *route, size=(80, 24))
        sign_in(first)
        first.press("\r")  # the first challenge
        first.wait_for("sort: ")
        first.press("n")
        first.wait_for("New submission")
        begun = f"Rota swaps ({drop})"
        first.press(*begun)
        wait_until(first, lambda: begun in server_drafts(server, token),
                   "sent to the server (the drafts sync sends after a 2 s pause)")
        title = f"{begun} at night"
        first.press(*" at night")
        wait_until(first, lambda: title in first.text, "shown", limit=10)
        typed = time.monotonic()  # the rest is neither saved nor sent yet: the drop
        session = descendants(gateway.process.pid)  # sshd's monitor and child, sh, the app
        app = app_process(gateway.user.pw_uid)
        assert app in session
        if drop == "connection reset":
            assert relay.accepted == 1
            relay.reset()
        else:
            first.child.kill(signal.SIGKILL)
        assert time.monotonic() - typed < 2  # sooner than the sync's pause: not sent yet
        wait_ended(session, ENDED_WITHIN)
        assert title in server_drafts(server, token)  # sent on the hang-up, before the end
        assert left_on_disk(gateway.user.pw_uid, gateway.directory / SESSIONS) == []
        second = gateway.terminal(tmp_path, size=(80, 24))
        sign_in(second)  # the one seat is free again
        second.press("\r")
        second.wait_for("sort: ")
        second.press("d")
        second.wait_for(title)
        second.press("\x11")
        assert ends(second) == 0
    finally:
        for terminal in (first, second):
            if terminal is not None:
                terminal.close()
        relay.close()
