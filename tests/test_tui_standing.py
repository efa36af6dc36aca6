"""Issue 15's rankings in the app, against a live server: sorts 5 (pairwise) and 6
(bridging) refused while counts are hidden and showing the figures behind the order
otherwise; a submission's pairwise record and its staff groups' support; "can't decide"
with a reason, recorded on the server and kept when it could not be sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from client import ChallengeClient
from client.models import ChallengeUpdate, GroupSupport, Submission
from tests import tui_support
from tests.pairs_support import comparisons
from tests.support import DAY, add_users, open_phase, phase
from tests.test_tui import HOSTILE, World, challenge_screen, make_app, open_submission, world
from tests.test_tui_live import until
from tests.test_tui_pairs import allow_pairwise, pairs_screen
from tests.tui_support import settle, text_of
from tui.screens.challenge import ChallengeScreen
from tui.screens.pairs import PairsScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.submission_detail import SubmissionDetail
from tui.widgets.submission_list import SubmissionList

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]

NURSES, DOCTORS, ESTATES = ("Nursing and midwifery registered", "Medical and dental",
                            "Estates and ancillary")


def shown_rows(screen: ChallengeScreen) -> list[tuple[str, str]]:
    """Each row's two lines as drawn (title line, meta line)."""
    items = screen.current_list
    assert isinstance(items, SubmissionList)
    lines = [items.render_line(y).text.strip() for y in range(2 * len(items.items))]
    return list(zip(lines[::2], lines[1::2], strict=True))


async def people(world: World, database_url: str, group: str, n: int,
                 votes: dict[int, Literal[1, -1]], prefix: str = "") -> None:
    """``n`` people who declare ``group`` and each cast ``votes`` (submission: value)."""
    prefix = prefix or group.split()[0].lower()
    for _, token in await add_users(database_url, n, prefix=prefix):
        async with ChallengeClient(world.url, token=token) as person:
            await person.update_me(staff_group=group)
            for ident, value in votes.items():
                await person.vote(ident, value)


async def test_pairwise_and_bridging_are_refused_while_counts_are_hidden(
        world: World) -> None:
    await world.admin.update_challenge("change", ChallengeUpdate.model_validate({
        "phases": [phase("Vote", -DAY, DAY, votes=True, show_counts=False)]}))
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        for key, why in (("5", "no pairwise order yet"), ("6", "across staff groups yet")):
            app.clear_notifications()
            await pilot.press(key)
            await settle(pilot)
            assert screen.sort == "random"
            assert [str(n.message) for n in app._notifications if why in str(n.message)]
            assert "sort: random" in text_of(screen.query_one("#heading", Static))
        assert not any("Could not load" in (n.title or "") for n in app._notifications)
        # Offered like the other sorts, after them: 80 columns keep search and theme.
        bar = screen.query_one(KeyBar).render().plain
        assert "t Theme" in bar and "5 Pairwise" not in bar
        await pilot.resize_terminal(200, 24)
        await settle(pilot)
        bar = screen.query_one(KeyBar).render().plain
        assert "4 Random 5 Pairwise 6 Bridging / Search" in bar, bar


async def test_a_phase_hiding_counts_puts_a_pairwise_list_in_random_order(
        world: World) -> None:
    await allow_pairwise(world)
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert screen.sort == "pairwise"
        await world.admin.update_challenge("change", ChallengeUpdate.model_validate({
            "phases": [phase("Vote", -DAY, DAY, votes=True, show_counts=False)]}))
        # The live event says the phase changed: no key pressed, no clock moved.
        await until(pilot, lambda: screen.sort == "random", "the random order")
        await settle(pilot)
        said = [str(n.message) for n in app._notifications]
        assert any("Shown in random order" in m for m in said), said
        assert not any("Could not load" in (n.title or "") for n in app._notifications)
        assert len(shown_rows(screen)) == 3


async def test_sort_5_lists_by_pairwise_score_with_the_comparisons_behind_it(
        world: World, database_url: str) -> None:
    await allow_pairwise(world)
    for _, token in await add_users(database_url, 2, prefix="judge"):
        async with ChallengeClient(world.url, token=token) as judge:
            pair = await judge.next_pair("change", "story")
            assert pair is not None
            await judge.compare("change", pair.pair, "left")
    expected = await world.admin.list_submissions("change", kind="story", sort="pairwise")
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert screen.sort == "pairwise"
        assert "sort: pairwise" in text_of(screen.query_one("#heading", Static))
        rows = shown_rows(screen)
        assert len(rows) == len(expected.items) == 3
        for (title, meta), item in zip(rows, expected.items, strict=True):
            assert item.wins is not None and item.losses is not None
            assert title.startswith(f"{item.wins}–{item.losses} "), title
            n = item.wins + item.losses
            said = f"{n} comparison{'' if n == 1 else 's'}" if n else "not compared yet"
            assert meta.startswith(said), meta
            assert len(title) <= 80 and len(meta) <= 80
        assert sum(item.wins or 0 for item in expected.items) == 2  # both were counted
        assert not app._notifications


async def test_sort_6_and_the_detail_show_the_staff_groups_support(
        world: World, database_url: str) -> None:
    first, second, _ = world.ids
    await people(world, database_url, NURSES, 5, {first: 1})
    await people(world, database_url, DOCTORS, 5, {first: -1, second: 1})
    # A group of 5 in the challenge, but 4 of them on the first: never shown on it.
    await people(world, database_url, ESTATES, 4, {first: 1})
    await people(world, database_url, ESTATES, 1, {second: -1}, prefix="porter")
    expected = await world.admin.list_submissions("change", kind="story", sort="bridging")
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert screen.sort == "bridging"
        rows = dict(zip([s.id for s in expected.items], shown_rows(screen), strict=True))
        assert rows[first][1].startswith("1 of 2 groups supports · bridging "), rows[first]
        assert rows[second][1].startswith("1 of 1 group supports · bridging "), rows[second]
        assert "no group of 5 voters yet" in rows[world.ids[2]][1]
        index = [s.id for s in expected.items].index(first)
        submission = await open_submission(pilot, *["j"] * index)
        assert submission.item.id == first
        header = text_of(submission.query_one("#header", Static))
        assert "Staff groups of 5+ voters on it: 1 of 2 groups supports" in header
        assert f"✓ {NURSES}  100% support (5 of 5)" in header
        assert f"· {DOCTORS}  0% support (0 of 5)" in header
        assert ESTATES not in header  # 4 of them on it: under 5, never shown


async def test_a_hostile_group_name_in_the_detail_is_text() -> None:
    """The server keeps only the fixed list, but the app takes no chance with its text."""
    now = datetime.now(UTC)
    item = Submission(id=1, challenge="change", kind="story", title="Huddles", body="b",
                      themes=[], anonymous=False, status="published", comments=0,
                      up=10, down=0, wins=3, losses=1, pairwise_score=4 / 6, bridging=0.5,
                      groups=[GroupSupport(group=HOSTILE, up=6, down=1),
                              GroupSupport(group="[b]Porters[/b]", up=1, down=5)],
                      created_at=now, updated_at=now)

    class Detail(App[None]):
        def compose(self) -> ComposeResult:
            yield SubmissionDetail()

    app = Detail()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.query_one(SubmissionDetail).show(item)
        await pilot.pause()
        header = text_of(app.query_one("#detail-header", Static))
        assert "[/] [@click=app.quit]x[/]" in header and "[b]Porters[/b]" in header
        assert "\x1b" not in header and "\u202e" not in header
        assert "Compared: 3 won, 1 lost (4 comparisons) · pairwise score 0.667" in header
        assert "1 of 2 groups supports · bridging 0.5" in header
        await pilot.click("#detail-header")  # no [@click] link in it to follow
        assert app.is_running


async def test_cant_decide_with_a_reason_is_recorded_and_kept_when_not_sent(
        world: World, database_url: str) -> None:
    await allow_pairwise(world)
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        pairs = await pairs_screen(pilot)
        reason = pairs.query_one("#pairs-reason", Input)
        assert not reason.display
        await pilot.press("J")
        await settle(pilot)
        assert reason.display and reason.has_focus
        bar = pairs.query_one(KeyBar).render().plain
        assert "esc Send no reason" in bar and "Back" not in bar and "Left" not in bar, bar
        # h, j and l are letters here, not choices; [b] stays text.
        await pilot.press(*"Both just help [b]nights[/b]", "enter")
        await settle(pilot)
        assert pairs.made == 1 and not reason.display and reason.value == ""
        await pilot.press("J")  # esc: can't decide, without a reason
        await pilot.press("escape")
        await settle(pilot)
        assert pairs.made == 2 and isinstance(app.screen, PairsScreen)
        assert [r[4] for r in await comparisons(database_url)] == [
            "Both just help [b]nights[/b]", None]
        # The phase closes to comparing: the reason typed stays, to send again.
        await pilot.press("J", *"Too alike")
        await world.admin.update_challenge("change", ChallengeUpdate.model_validate(
            {"phases": [open_phase()]}))
        await pilot.press("enter")
        await settle(pilot)
        assert pairs.made == 2
        assert any(n.title == "Not recorded" for n in app._notifications)
        assert reason.display and reason.value == "Too alike" and reason.has_focus
        assert len(await comparisons(database_url)) == 2
