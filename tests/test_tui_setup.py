"""Setting a challenge up in the app (admins), from the keyboard at 80x24, against a
live server: create, change a phase's dates on the timeline, the server's refusal at
the field with everything typed kept, no keys for participants, untrusted names shown
literally."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from client.config import ClientConfig
from client.models import ChallengeUpdate
from tests import tui_support
from tests.support import DAY, phase
from tests.test_first_look import Site, first_look, no_proxies, site
from tests.test_tui import HOSTILE, STORED, World, challenge_screen, make_app, world
from tests.tui_support import settle, text_of
from tui import moments
from tui.app import ChallengeApp
from tui.screens.challenge import ChallengeScreen
from tui.screens.challenge_setup import ChallengeSetupScreen
from tui.screens.challenges import ChallengesScreen
from tui.screens.first_look import FirstChallengeScreen
from tui.text import one_line
from tui.widgets.form_rows import ErrorLine
from tui.widgets.key_bar import KeyBar
from tui.widgets.phase_editor import PhaseEditor
from tui.widgets.timeline import PhaseTimeline

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["no_proxies", "site", "world"]  # the fixtures, for pytest


@pytest.fixture(autouse=True)
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times typed without an offset are the machine's: here, London's."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def admin_app(world: World, transport: httpx.AsyncBaseTransport | None = None) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server=world.url, token=world.admin.token,
                                     token_store="memory"), transport=transport)


def keys(screen: object) -> str:
    assert isinstance(screen, ChallengesScreen | ChallengeScreen)
    return screen.query_one(KeyBar).render().plain


async def open_setup(pilot: Pilot[None], *before: str) -> ChallengeSetupScreen:
    await pilot.press(*before)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChallengeSetupScreen), screen
    return screen


def field(screen: ChallengeSetupScreen, name: str, phase: int | None = None) -> Input:
    where = screen.editors[phase] if phase is not None else screen
    return where.query_one(f"#{name}", Input)


def in_view(widget: Static | Input) -> bool:
    return widget.screen.region.contains_region(widget.region) and widget.region.height > 0


async def test_an_admin_sets_a_challenge_up_from_the_keyboard(world: World) -> None:
    app = admin_app(world)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)  # the lone challenge; back is the list
        await pilot.press("escape")
        await settle(pilot)
        assert "N New challenge" in keys(app.screen)
        setup = await open_setup(pilot, "N", *"ward-ideas")  # typed straight after N
        assert field(setup, "slug").value == "ward-ideas"
        await pilot.press("tab", *"Ward ideas", "tab", *"Share *what* works.",
                          "tab", *"Rotas", "enter", *"Handover")
        await pilot.press("ctrl+n")  # the first phase: no dates to follow yet
        await pilot.press(*"Share", "tab", *"2027-03-01 09:00", "tab", *"2027-03-08 17:00",
                          "tab", "space")  # submissions
        await settle(pilot)
        assert text_of(setup.editors[0].query_one("#ends_at-hint", Static)) == (
            "Mon 8 Mar 17:00 UTC")
        await pilot.press("ctrl+n")  # from where the last one ends, for a week
        await settle(pilot)
        assert field(setup, "starts_at", 1).value == "2027-03-08 17:00"
        assert field(setup, "ends_at", 1).value == "2027-03-15 17:00"
        assert field(setup, "name", 1).has_focus
        await pilot.press(*"Vote", "tab", "tab", "tab", "tab", "tab", "space",  # votes
                          "tab", "space", "tab", "tab", "tab", *"3")  # counts hidden; a budget of 3
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)
        assert any(n.message == "Created Ward ideas." for n in app._notifications)
        made = await world.admin.get_challenge("ward-ideas")
        assert (made.title, made.summary, made.themes) == (
            "Ward ideas", "Share *what* works.", ["Rotas", "Handover"])
        share, vote = made.phases
        assert (share.name, share.starts_at, share.ends_at) == (
            "Share", datetime(2027, 3, 1, 9, tzinfo=UTC), datetime(2027, 3, 8, 17, tzinfo=UTC))
        assert share.submissions and not share.votes and share.show_counts
        assert (vote.name, vote.votes, vote.show_counts, vote.vote_budget) == (
            "Vote", True, False, 3)
        assert not vote.submissions
        assert [p.kind for p in made.prompts] == ["story", "idea"]
        assert len(app.screen.challenges) == 2  # the list asked again
        again = await open_setup(pilot, "g", "E")  # the newest, first: as saved
        assert text_of(again.query_one(".title", Static)) == "Editing Ward ideas"
        assert [(p.name, p.starts_at, p.ends_at, p.vote_budget)
                for p in (e.read() for e in again.editors)] == [
            ("Share", "2027-03-01 09:00", "2027-03-08 17:00", ""),
            ("Vote", "2027-03-08 17:00", "2027-03-15 17:00", "3")]
        await pilot.press("escape")  # nothing changed: no question
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)


async def test_a_phases_dates_change_on_the_timeline(world: World) -> None:
    app = admin_app(world)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        setup = await open_setup(pilot, "E")
        timeline = setup.query_one(PhaseTimeline)
        before = timeline.lines(78)
        await pilot.press("ctrl+down", "ctrl+down")  # to the second phase, the open one
        await settle(pilot)
        assert field(setup, "name", 1).has_focus and timeline.selected == 1
        end = (datetime.now(UTC) + 9 * DAY).replace(hour=17, minute=0, second=0,
                                                     microsecond=0)
        await pilot.press("tab", "tab", *moments.show(end))  # focus selects: typed over
        await settle(pilot)
        assert field(setup, "ends_at", 1).value == moments.show(end)
        moved = timeline.spans[1]
        assert moved is not None and moved[1] == end
        after = timeline.lines(78)
        assert after[0].plain != before[0].plain  # the bar grew
        assert after[-1].plain.rstrip().endswith(f"{end.astimezone().day} "
                                                 f"{end.astimezone():%b %Y}")
        assert in_view(setup.editors[1].query_one("#ends_at-hint", Static))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        changed = await world.admin.get_challenge("change")
        assert changed.phases[1].ends_at == end
        assert app.status_info.phase is not None and app.status_info.phase.ends_at == end


class Stricter(httpx.AsyncBaseTransport):
    """A server stricter than this client (a newer version, say): the live server is
    sent the second phase's end as a date that does not exist, and refuses it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            body = json.loads(await request.aread())
            body["phases"][1]["ends_at"] = "2027-02-30T09:00:00Z"
            headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
            request = httpx.Request("PATCH", request.url, headers=headers, json=body)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_the_servers_refusal_is_at_the_field_and_nothing_typed_is_lost(
        world: World) -> None:
    app = admin_app(world, Stricter())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        setup = await open_setup(pilot, "E")
        await pilot.press("end", "ctrl+u", *"Renamed")  # the title
        await pilot.press("ctrl+down", "ctrl+down", "end", "ctrl+u", *"Share, then vote")
        await pilot.press("ctrl+up")  # away from it: the error must bring it back
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is setup
        error = setup.editors[1].query_one("#ends_at-error", ErrorLine)
        assert "day value is outside expected range" in error.message
        assert error.display and in_view(error)
        assert field(setup, "ends_at", 1).has_focus
        assert text_of(setup.query_one("#message", Static)) == (
            "Not saved: see the fields marked.")
        assert field(setup, "title").value == "Renamed"
        assert field(setup, "name", 1).value == "Share, then vote"
        assert field(setup, "ends_at", 1).value == setup.initial.phases[1].ends_at
        assert (await world.admin.get_challenge("change")).title == "Bottom-up change"


async def test_a_participant_is_not_offered_the_set_up_keys(world: World) -> None:
    app = make_app(world.url)  # Ada, a participant
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert app.screen is screen
        assert not screen.check_action("edit_challenge", ())
        await pilot.press("escape")
        await settle(pilot)
        listing = app.screen
        assert isinstance(listing, ChallengesScreen)
        assert "New challenge" not in keys(listing)
        await pilot.press("N", "E")
        await settle(pilot)
        assert app.screen is listing
        offered = [c.title for c in app.get_system_commands(listing)]
        assert "Set a new challenge up" not in offered
        assert "Change the highlighted challenge" not in offered


async def test_untrusted_names_are_shown_as_they_are(world: World) -> None:
    now = datetime.now(UTC)
    await world.admin.update_challenge("change", ChallengeUpdate.model_validate({
        "title": HOSTILE, "phases": [
            phase(HOSTILE, -DAY, 5 * DAY, now, submissions=True),
            phase("Vote", 5 * DAY, 7 * DAY, now, votes=True)]}))
    app = admin_app(world)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        setup = await open_setup(pilot, "E")
        heading = text_of(setup.query_one(".title", Static))
        assert heading == "Editing " + one_line(STORED).plain
        assert field(setup, "title").value == STORED
        assert field(setup, "name", 0).value == STORED
        strip = setup.query_one(PhaseTimeline).lines(78)[0].plain
        assert strip.startswith("│[/] [@click=app.quit]x[/] [31mred")
        assert "\x1b" not in strip
        assert "[@click=app.quit]x[/]" in app.status_info.render(now).plain
        assert app.is_running and isinstance(app.screen, ChallengeSetupScreen)
        assert len(setup.query(PhaseEditor)) == 2


async def test_phases_are_added_sorted_by_date_and_removed(world: World) -> None:
    app = admin_app(world)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        setup = await open_setup(pilot, "E")
        share_ends = field(setup, "ends_at", 1).value
        await pilot.press("ctrl+n", *"Develop")  # after the last: from its end, a week
        await settle(pilot)
        assert [e.read().name for e in setup.editors] == [
            "Understand", "Share and prioritise", "Develop"]
        assert field(setup, "starts_at", 2).value == share_ends
        later = moments.show(datetime.now(UTC) + 30 * DAY)
        await pilot.press("ctrl+up", "ctrl+up", "tab", *later)  # Understand starts last
        await pilot.press("tab", *moments.show(datetime.now(UTC) + 31 * DAY), "ctrl+t")
        await settle(pilot)
        assert [e.read().name for e in setup.editors] == [
            "Share and prioritise", "Develop", "Understand"]
        assert [e.border_title for e in setup.editors] == ["Phase 1", "Phase 2", "Phase 3"]
        assert field(setup, "name", 2).has_focus  # the phase moved, and the focus with it
        assert setup.query_one(PhaseTimeline).selected == 2
        await pilot.press("ctrl+up", "ctrl+r")  # Develop goes
        await settle(pilot)
        assert [e.read().name for e in setup.editors] == ["Share and prioritise", "Understand"]
        assert len(setup.query_one(PhaseTimeline).spans) == 2
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = await world.admin.get_challenge("change")
        assert [p.name for p in saved.phases] == ["Share and prioritise", "Understand"]


async def test_an_admins_key_on_the_first_look_waits_for_the_real_screen(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first look does not know the role: E is held, then done by the real screen."""
    async with first_look(site, monkeypatch, (80, 24)) as (pilot, gate):
        first = pilot.app.screen
        assert isinstance(first, FirstChallengeScreen), first
        assert not first.check_action("edit_challenge", ())
        await pilot.press("E")
        assert [key.key for key in first.held] == ["E"]
        gate.set()
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChallengeSetupScreen), pilot.app.screen
