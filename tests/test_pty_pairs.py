"""The pairwise screen driven from a pseudo-terminal (issue 15): the installed
``change-challenge`` against a real server on loopback, P, then the arrow keys, and the
server asked what it recorded."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect

from client import ChallengeClient
from client.models import ChallengeCreate, SubmissionCreate
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec, open_phase
from tests.test_e2e import Terminal

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

TITLES = ("Alpha huddles", "Beta rota swaps", "Gamma handovers")
LEFT, RIGHT, DOWN = "\x1b[D", "\x1b[C", "\x1b[B"  # the arrow keys, as a terminal sends them
COLUMNS = 100


def wait_until(term: Terminal, done: Callable[[], bool], what: str, limit: float = 60) -> None:
    """Read the app's output until ``done()`` holds of the screen (bounded by ``limit``)."""
    deadline = time.monotonic() + limit
    while not done():
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"never {what}; the screen shows:\n{term.text}")
        with contextlib.suppress(pexpect.TIMEOUT):
            term.stream.feed(term.child.read_nonblocking(65536, timeout=min(left, 1)))


def sides(term: Terminal) -> tuple[str | None, str | None]:
    """The titles shown in the left and the right half of the screen."""
    halves: list[str | None] = [None, None]
    for line in term.screen.display:
        for title in TITLES:
            if (at := line.find(title)) >= 0:
                halves[at >= COLUMNS // 2] = title
    return halves[0], halves[1]


async def test_arrows_on_the_pairwise_screen_are_recorded(
        live: LiveServer, database_url: str, tmp_path: Path) -> None:
    (_, admin_token), = await add_users(database_url, 1, role="admin", prefix="admin")
    (_, token), = await add_users(database_url, 1, prefix="nurse")
    async with ChallengeClient(live.url, token=admin_token) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(
            challenge_spec(phases=[open_phase(pairwise=True)])))
        ids = {title: (await admin.create_submission("change", SubmissionCreate(
            kind="story", title=title, body=f"What {title} changed."))).id
            for title in TITLES}
    installed = Path(sys.executable).parent / "change-challenge"
    term = Terminal(tmp_path, "--server", live.url, command=[str(installed)],
                    size=(COLUMNS, 30), env={"CHALLENGE_TOKEN": token})
    try:
        term.wait_for("sort: ")  # the lone challenge, opened at start-up
        term.press("P")
        term.wait_for("Which should be tested first?")
        wait_until(term, lambda: None not in sides(term), "saw a pair side by side")
        first = sides(term)
        term.press(LEFT)
        term.wait_for("1 comparison made")
        wait_until(term, lambda: None not in sides(term) and sides(term) != first,
                   "saw the next pair")
        second = sides(term)
        term.press(RIGHT)
        term.wait_for("2 comparisons made")
        term.press(DOWN)  # can't decide: the third and last pair
        term.wait_for("Nothing left to compare")
    finally:
        term.close()
    async with ChallengeClient(live.url, token=admin_token) as admin:
        page = await admin.list_submissions("change", kind="story", sort="pairwise")
    record = {s.id: (s.wins, s.losses) for s in page.items}
    expected = {ident: [0, 0] for ident in ids.values()}
    for (winner, loser) in ((first[0], first[1]), (second[1], second[0])):
        assert winner is not None and loser is not None
        expected[ids[winner]][0] += 1
        expected[ids[loser]][1] += 1
    assert record == {ident: tuple(wl) for ident, wl in expected.items()}
