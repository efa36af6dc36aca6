"""What the current phase allows, said before a form is opened: the empty list, n,
comments and votes, with when it opens next in the person's own time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from client.models import Challenge, ChallengeUpdate
from tests import tui_support
from tests.support import DAY, HOUR, challenge_spec, phase
from tests.test_tui import World, challenge_screen, make_app, open_submission, world
from tests.tui_support import settle
from tui.phases import refusal, when
from tui.screens.challenge import ChallengeScreen
from tui.screens.submission import SubmissionScreen
from tui.widgets.key_bar import KeyBar

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def challenge(*phases: dict[str, object]) -> Challenge:
    spec = challenge_spec(phases=list(phases))
    return Challenge.model_validate({
        **spec, "id": 1, "created_at": NOW.isoformat(), "current_phase": None,
        "phases": [{"submissions": False, "comments": False, "votes": False, **p, "id": i,
                    "position": i, "show_counts": True}
                   for i, p in enumerate(phases)]})


def test_times_are_local_and_readable(london: None) -> None:
    assert when(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), NOW) == "Wed 2 Dec at 09:00"
    summer = datetime(2027, 6, 1, 8, 30, tzinfo=UTC)  # British summer time
    assert when(summer, NOW) == "Tue 1 Jun 2027 at 09:30"


def test_refusal_says_why_and_when_it_opens(london: None) -> None:
    vote = phase("Vote", -DAY, 2 * DAY, NOW, votes=True, comments=True)
    build = phase("Build", 3 * DAY, 9 * DAY, NOW, submissions=True)
    both = challenge(vote, build)
    assert refusal(both, "votes", NOW) is None
    assert refusal(both, "submissions", NOW) == (
        "Posting is closed in the 'Vote' phase (until Sat 28 Nov at 12:00). "
        "It opens in the 'Build' phase, Sun 29 Nov at 12:00.")
    gap = challenge(phase("Build", DAY, 2 * DAY, NOW, submissions=True))
    assert refusal(gap, "submissions", NOW) == (
        "Posting is closed: no phase of this challenge is open now. "
        "It opens in the 'Build' phase, Fri 27 Nov at 12:00.")
    assert refusal(both, "comments", NOW + 2 * DAY + HOUR) == (
        "Commenting is closed: no phase of this challenge is open now. "
        "It does not open again in this challenge.")
    assert refusal(None, "votes", NOW) is None  # not known: the server decides


async def test_a_closed_phase_says_so_instead_of_opening_forms(world: World) -> None:
    now = datetime.now(UTC)
    await world.admin.update_challenge("change", ChallengeUpdate.model_validate({"phases": [
        phase("Reflect", -DAY, DAY, now),  # nothing allowed
        phase("Build", 2 * DAY, 5 * DAY, now, submissions=True, comments=True,
              votes=True)]}))
    app = make_app(world.url)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert "n Write" not in screen.query_one(KeyBar).render().plain
        await pilot.press("right")  # the ideas: none yet
        await settle(pilot)
        items = screen.current_list
        assert items is not None
        empty = " ".join(items.render_line(y).text.strip() for y in range(3)).strip()
        assert empty.startswith("Nothing here yet. Posting is closed in the 'Reflect' phase")
        assert "It opens in the 'Build' phase" in empty and "n writes" not in empty
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen  # no composer
        await pilot.press("left", "plus")  # a vote on a row
        await settle(pilot)
        assert screen.current_list is not None and screen.current_list.current is not None
        assert screen.current_list.current.my_vote is None
        await pilot.press("enter")
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, SubmissionScreen)
        bar = opened.query_one(KeyBar).render().plain
        assert "c Comment" not in bar and "+ Support" not in bar
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert app.screen is opened and opened.item.my_vote is None
        said = [n.message for n in app._notifications]
        assert [m.split(" is closed")[0] for m in said[-4:]] == [
            "Posting", "Voting", "Commenting", "Voting"], said
        assert all("It opens in the 'Build' phase" in m for m in said[-4:])
    assert isinstance(screen, ChallengeScreen)


async def test_an_open_phase_offers_what_it_allows(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert "n Write" in screen.query_one(KeyBar).render().plain
        await pilot.press("right")
        await settle(pilot)
        assert screen.current_list is not None
        assert screen.current_list.render_line(0).text.strip() == (
            "Nothing here yet: n writes the first one.")
        await open_submission(pilot, "left")
        bar = app.screen.query_one(KeyBar).render().plain
        assert "c Comment" in bar and "+ Support" in bar
