"""The moderation screen driven with Pilot, keys only, against a real server on loopback
(SQLite); what it did is then checked through the client."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from client import ChallengeClient, Forbidden
from client.config import ClientConfig
from client.models import (
    ChallengeCreate,
    DecisionCreate,
    DecisionTarget,
    Submission,
    SubmissionCreate,
)
from client.text import clean_text
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec
from tests.tui_support import settle
from tests.tui_support import text_of as plain
from tui.app import ChallengeApp
from tui.screens.moderation import ModerationScreen
from tui.screens.moderation_forms import REASONS, MergeScreen, RejectScreen
from tui.screens.submission import SubmissionScreen
from tui.text import one_line
from tui.widgets.submission_list import SubmissionList

# The fixtures, by name, for pytest: SQLite only, a private home.
database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

PASSWORD = "a long password"
HOSTILE = "[/] [@click=app.quit]x[/] \x1b[31mred\x1b]0;title\x07 \u202eevil 看护 🧑‍⚕️"
# What the server keeps (no controls, no bidi overrides), then shown on one line.
SHOWN = one_line(clean_text(HOSTILE)).plain


@dataclass
class Desk:
    """A pre-moderated challenge and the people around it."""

    url: str
    database_url: str
    admin: ChallengeClient
    moderator: ChallengeClient
    moderator_id: int
    moderator_token: str
    author: ChallengeClient
    voters: list[ChallengeClient]


@pytest.fixture
async def desk(live: LiveServer, database_url: str) -> AsyncIterator[Desk]:
    ((_, admin_token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    ((mod_id, mod_token),) = await add_users(database_url, 1, role="moderator",
                                             prefix="moderator")
    people = await add_users(database_url, 4, prefix="voter")
    ((_, author_token),) = await add_users(database_url, 1, prefix="author")
    async with contextlib.AsyncExitStack() as stack:
        def client(token: str) -> ChallengeClient:
            return ChallengeClient(live.url, token=token)

        admin = await stack.enter_async_context(client(admin_token))
        moderator = await stack.enter_async_context(client(mod_token))
        author = await stack.enter_async_context(client(author_token))
        voters = [await stack.enter_async_context(client(t)) for _, t in people]
        await admin.create_challenge(ChallengeCreate.model_validate(
            challenge_spec(moderation="pre")))
        yield Desk(live.url, database_url, admin, moderator, mod_id, mod_token, author,
                   voters)


def moderator_app(desk: Desk, token: str | None = None) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server=desk.url, token=token or desk.moderator_token))


async def open_queue(pilot: Pilot[None]) -> ModerationScreen:
    await settle(pilot)
    await pilot.press("M")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ModerationScreen), screen
    return screen


def text_of(screen: ModerationScreen, selector: str) -> str:
    return plain(screen.query_one(selector, Static))


def current_title(screen: ModerationScreen) -> str | None:
    item = screen.triage.current
    return None if item is None else (item.title or item.body)


async def post(desk: Desk, title: str, body: str = "It worked for us.") -> Submission:
    return await desk.author.create_submission("change", SubmissionCreate(
        kind="story", title=title, body=body))


def messages(app: ChallengeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_twenty_items_triaged_with_keys_only(desk: Desk) -> None:
    # The destination of a merge, and its likely duplicate: both published and voted on,
    # the duplicate reported (so queued). Voter 0 supports both: keeps one vote.
    target = await post(desk, "Protected improvement hours for porters",
                        "Two hours a month for porters to work on improvement.")
    dupe = await post(desk, "Protected improvement hours for porters and domestics",
                      "Two protected hours a month for porters and domestics.")
    await desk.admin.decide(DecisionCreate(action="approve", targets=[
        DecisionTarget(type="submission", id=s.id) for s in (target, dupe)]))
    for voter in desk.voters[:2]:
        await voter.vote(target.id, 1)
    for voter in (desk.voters[0], desk.voters[2], desk.voters[3]):
        await voter.vote(dupe.id, 1)
    await desk.voters[1].flag_submission(dupe.id, "other", "Same as the porters one")
    pending = [await post(desk, f"Story number {n:02d}") for n in range(1, 20)]

    app = moderator_app(desk)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_queue(pilot)
        assert screen.has_class("wide")
        assert "20 left" in text_of(screen, "#mod-heading")
        assert current_title(screen) == dupe.title
        detail = text_of(screen, "#mod-item")
        assert "Likely duplicates" in detail and target.title in detail

        await pilot.press("m")  # merge into the first suggestion
        await settle(pilot)
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        assert merge.choices == [(target.id, target.title)]
        await pilot.press("1")
        await settle(pilot)
        assert app.screen is screen and current_title(screen) == "Story number 01"

        await pilot.press("space", "space", "space", "space", "space")  # 01-05
        assert "5 selected" in text_of(screen, "#mod-heading")
        await pilot.press("a")  # one decision for all five
        await settle(pilot)
        assert current_title(screen) == "Story number 06"
        assert "14 left" in text_of(screen, "#mod-heading")

        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, RejectScreen)
        await pilot.press("2", "enter")  # a template
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"Not for this challenge", "enter")  # typed
        await settle(pilot)
        assert current_title(screen) == "Story number 08"

        await pilot.press("a", "h")  # 08 approved, 09 hidden ...
        await pilot.press("u")  # ... and back: undo waits for the hide to be made
        await settle(pilot)
        assert current_title(screen) == "Story number 09"
        assert any("Undone" in m for m in messages(app)), messages(app)
        assert "11 left" in text_of(screen, "#mod-heading")

        for _ in range(11):  # 09 to 19, one key each
            await pilot.press("a")
        await settle(pilot)
        assert screen.triage.items == [] and "0 left" in text_of(screen, "#mod-heading")
        assert not [m for m in messages(app) if "Not " in m], messages(app)

    mod = desk.moderator
    statuses = {s.id: (await mod.get_submission(s.id)).status for s in pending}
    assert [statuses[s.id] for s in pending] == (
        ["published"] * 5 + ["rejected", "rejected"] + ["published"] * 12)
    assert (await mod.get_submission(pending[5].id)).status_reason == REASONS[1]
    assert (await mod.get_submission(pending[6].id)).status_reason == "Not for this challenge"
    assert (await mod.get_submission(dupe.id)).status == "merged"
    merged_into = await mod.get_submission(target.id)
    assert merged_into.up == 4  # voters 0 and 1, and 2 and 3 moved over; 0 kept one vote
    assert (await mod.moderation_queue()).total == 0

    log = (await mod.moderation_log(moderator=desk.moderator_id, limit=100)).items
    actions = [(a.action, len(a.targets), a.undone_at is not None) for a in reversed(log)]
    assert actions == ([("merge", 1, False), ("approve", 5, False), ("reject", 1, False),
                        ("reject", 1, False), ("approve", 1, False), ("hide", 1, True)]
                       + [("approve", 1, False)] * 11)
    assert log[-1].merge_into == target.id


async def test_a_decision_someone_made_first_rolls_back_visibly(desk: Desk) -> None:
    first = await post(desk, "Huddles at handover")
    await post(desk, "Rota swaps by text")
    ((_, other_token),) = await add_users(desk.database_url, 1, role="moderator",
                                          prefix="other-mod")
    app = moderator_app(desk)
    # The other decision not heard yet (heard, it takes the item out: test_tui_live.py).
    app.live_wanted = False
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_queue(pilot)
        assert current_title(screen) == "Huddles at handover"
        async with ChallengeClient(desk.url, token=other_token) as other:
            await other.decide(DecisionCreate(action="approve", targets=[
                DecisionTarget(type="submission", id=first.id)]))
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"Too vague", "enter")
        await settle(pilot)
        # Back in the list, marked, with the server's message naming the other decision.
        assert [i.title for i in screen.triage.items] == ["Huddles at handover",
                                                          "Rota swaps by text"]
        refusal = [m for m in messages(app) if "approved by other-mod 0" in m]
        assert refusal and "(action " in refusal[0], messages(app)
        # When, in local time as a person says it, not the server's ISO timestamp.
        assert "approved by other-mod 0 today at " in refusal[0], refusal
        assert not re.search(r"\d{4}-\d\d-\d\dT", refusal[0] + screen.triage.notes[
            ("submission", first.id)])
        assert "approved by other-mod 0" in screen.triage.notes[("submission", first.id)]
        # It is listed for its note, but no longer queued: not counted (it was, until r).
        assert "1 left" in text_of(screen, "#mod-heading")
        assert current_title(screen) == "Rota swaps by text"  # the cursor stayed put
        await pilot.press("k", "enter")  # narrow: the item in full says why it came back
        await settle(pilot)
        assert "Came back: " in text_of(screen, "#mod-item")
        await pilot.press("x")  # what was typed is offered again
        await settle(pilot)
        assert app.screen.query_one("#reason", Input).value == "Too vague"
        await pilot.press("escape")
    assert (await desk.moderator.get_submission(first.id)).status == "published"


async def test_merge_into_a_submission_found_by_title(desk: Desk) -> None:
    target = await post(desk, "Ward noticeboard for fixes")
    await desk.admin.decide(DecisionCreate(action="approve", targets=[
        DecisionTarget(type="submission", id=target.id)]))
    lone = await post(desk, "Something quite different")  # no likely duplicates
    app = moderator_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("m")
        await settle(pilot)
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        assert merge.query_one(Input).has_focus  # nothing suggested: straight to search
        await pilot.press(*"noticeboard", "enter")
        await settle(pilot)
        assert merge.choices == [(target.id, target.title)]
        await pilot.press("1")
        await settle(pilot)
        assert app.screen is screen and screen.triage.items == []
    assert (await desk.moderator.get_submission(lone.id)).status == "merged"


async def test_narrow_terminal_shows_one_pane_at_a_time(desk: Desk) -> None:
    for title in ("First", "Second", "Third"):
        await post(desk, title)
    app = moderator_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_queue(pilot)
        detail = screen.query_one("#mod-detail")
        assert not screen.has_class("wide") and not detail.display
        await pilot.press("tab")
        await settle(pilot)
        assert detail.display and not screen.queue.display
        assert text_of(screen, "#mod-item").startswith("First")
        await pilot.press("a")  # deciding from the item shows the next one in full
        await settle(pilot)
        assert text_of(screen, "#mod-item").startswith("Second")
        await pilot.press("escape")
        await settle(pilot)
        assert screen.queue.display and screen.queue.has_focus and not detail.display
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ModerationScreen)


async def test_filters_and_the_log(desk: Desk) -> None:
    from tui.screens.moderation_log import ModerationLogScreen

    story = await post(desk, "A story to approve")
    await desk.admin.decide(DecisionCreate(action="approve", targets=[
        DecisionTarget(type="submission", id=story.id)]))
    await desk.voters[0].add_comment(story.id, "A comment")  # pending: pre-moderation
    await post(desk, "Another story")
    app = moderator_app(desk)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_queue(pilot)
        assert [i.type for i in screen.triage.items] == ["comment", "submission"]
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", "down", "down", "enter")  # type: comment
        await settle(pilot)
        assert app.screen is screen and screen.filters.type == "comment"
        assert [i.type for i in screen.triage.items] == ["comment"]
        assert "type: comment" in text_of(screen, "#mod-heading")
        await pilot.press("d")  # no flags on it: nothing is sent
        await pilot.press("h")
        await settle(pilot)
        assert screen.triage.items == []
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, ModerationLogScreen)
        assert [e.action for e in log.entries] == ["hide", "approve"]  # everyone's
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("down", "enter")  # "approved" (by anyone: the admin's)
        await settle(pilot)
        assert [e.action for e in log.entries] == ["approve"]
        await pilot.press("o")  # mine only: I approved nothing
        await settle(pilot)
        assert log.entries == []
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_participants_are_not_offered_the_queue(desk: Desk) -> None:
    from textual.command import CommandPalette

    from tui.screens.challenge import ChallengeScreen

    ((_, token),) = await add_users(desk.database_url, 1, prefix="participant")
    app = moderator_app(desk, token)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChallengeScreen)
        assert not any(b.binding.action == "moderate" for b in screen.active_bindings.values())
        await pilot.press("M")
        await settle(pilot)
        assert app.screen is screen
        commands = [c.title for c in app.get_system_commands(screen)]
        assert commands and not any("Moderat" in c for c in commands)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        shown = " ".join(plain(s) for s in app.screen.query(Static))
        assert "Keys" in shown and "Moderators" not in shown
    async with ChallengeClient(desk.url, token=token) as participant:
        with pytest.raises(Forbidden):
            await participant.moderation_queue()


async def test_moderators_find_it_in_the_palette_help_and_keymap(desk: Desk) -> None:
    await post(desk, "To approve")
    config = ClientConfig(server=desk.url, token=desk.moderator_token,
                          keys={"challenge.moderate": "V", "moderation.approve": "y"})
    app = ChallengeApp(config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        challenge = app.screen
        commands = [c.title for c in app.get_system_commands(challenge)]
        assert "Moderation queue" in commands
        await pilot.press("question_mark")
        await settle(pilot)
        assert "moderation queue" in " ".join(plain(s) for s in app.screen.query(Static))
        await pilot.press("escape", "M")  # remapped: M no longer opens it
        await settle(pilot)
        assert app.screen is challenge
        await pilot.press("V")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ModerationScreen)
        await pilot.press("a")
        await settle(pilot)
        assert len(screen.triage.items) == 1
        await pilot.press("y")
        await settle(pilot)
        assert screen.triage.items == []


HOSTILE_NAME = "[@click=app.quit]Eve[/] \u202e\x1b[2J"


async def test_hostile_text_on_the_moderation_screens(desk: Desk) -> None:
    from tui.screens.moderation_log import ModerationLogScreen

    async with ChallengeClient(desk.url) as eve:
        await eve.register("eve@example.org", HOSTILE_NAME, PASSWORD)
        earlier = await eve.create_submission("change", SubmissionCreate(
            kind="idea", title="Earlier " + HOSTILE, body="Body"))
        await desk.moderator.decide(DecisionCreate(
            action="reject", reason="Reason " + HOSTILE, targets=[
                DecisionTarget(type="submission", id=earlier.id)]))
        made = await eve.create_submission("change", SubmissionCreate(
            kind="story", title=HOSTILE, body=f"Body {HOSTILE}\nNHS 612 038 4758 [b]x[/b]"))
    await desk.admin.decide(DecisionCreate(action="approve", targets=[
        DecisionTarget(type="submission", id=made.id)]))
    await desk.voters[0].flag_submission(made.id, "offensive", "Note " + HOSTILE)
    name = one_line(clean_text(HOSTILE_NAME)).plain
    app = moderator_app(desk)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_queue(pilot)
        detail = text_of(screen, "#mod-item")
        for expected in (SHOWN, f"Body {SHOWN}", f"Note {SHOWN}", f"Reason {SHOWN}",
                         f"Earlier {SHOWN}", "[b]x[/b]", name):
            assert expected in detail, (expected, detail)
        assert "\x1b" not in detail and "\u202e" not in detail
        spans = screen.query_one("#mod-item", Static).content
        assert isinstance(spans, Content)
        marked = [detail[s.start:s.end] for s in spans.spans if "reverse" in str(s.style)]
        assert "612 038 4758" in marked  # the personal data, highlighted
        row = screen.queue.render_line(0).text
        assert "[/] [@click=app.quit]x[" in row  # literal (and cut to the column)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"[/] [@click=app.quit]y", "enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, ModerationLogScreen)
        first = log.query_one(OptionList).get_option_at_index(0).prompt
        assert isinstance(first, Content) and "— [/] [@click=app.quit]y" in first.plain
        await pilot.press("escape", "tab", "escape")
        await settle(pilot)
        assert app.is_running
    assert (await desk.moderator.get_submission(made.id)).status_reason == (
        "[/] [@click=app.quit]y")


async def test_undo_with_nothing_decided_here_takes_my_latest_from_the_log(desk: Desk) -> None:
    made = await post(desk, "Approved yesterday")
    await post(desk, "Still waiting")
    await desk.moderator.decide(DecisionCreate(action="approve", targets=[
        DecisionTarget(type="submission", id=made.id)]))
    app = moderator_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_queue(pilot)
        assert [i.title for i in screen.triage.items] == ["Still waiting"]
        await pilot.press("u")
        await settle(pilot)
        assert [i.title for i in screen.triage.items] == ["Approved yesterday",
                                                          "Still waiting"]
        assert any("Undone: action" in m for m in messages(app)), messages(app)
    assert (await desk.moderator.get_submission(made.id)).status == "pending"


class NoDecisions(httpx.AsyncBaseTransport):
    """The network, except that decisions never reach the server."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/moderation/decisions"):
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_decision_lost_to_the_network_comes_back(desk: Desk) -> None:
    made = await post(desk, "Stays pending")
    app = ChallengeApp(ClientConfig(server=desk.url, token=desk.moderator_token, retries=0),
                       transport=NoDecisions())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert [i.id for i in screen.triage.items] == [made.id]
        assert "1 left" in text_of(screen, "#mod-heading")
        assert text_of(screen, "#mod-item").startswith("Came back: ")
        assert any("connect" in m.lower() for m in messages(app)), messages(app)
    assert (await desk.moderator.get_submission(made.id)).status == "pending"


def lines_of(widget: Widget) -> list[str]:
    """What a line-drawn widget (a list, an option list) shows, line by line."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


def who_wrote(rows: list[str], title: str) -> str:
    """A submission list's line under ``title``: who wrote it, themes, comments, age."""
    at = next(n for n, row in enumerate(rows) if title in row)
    return rows[at + 1].strip()


async def test_anonymous_authors_are_marked_wherever_a_moderator_sees_them(desk: Desk) -> None:
    me = await desk.author.me()
    item = await desk.author.create_submission("change", SubmissionCreate(
        kind="story", title="Huddles that stuck", body="Ten minutes at eight.",
        anonymous=True))
    named = await post(desk, "Rota swaps by text")
    await desk.admin.decide(DecisionCreate(action="approve", targets=[
        DecisionTarget(type="submission", id=s.id) for s in (item, named)]))
    mine = await desk.author.add_comment(item.id, "Thanks all, I wrote this one.")
    other = await desk.voters[0].add_comment(item.id, "Good to hear.")
    await desk.admin.decide(DecisionCreate(action="approve", targets=[
        DecisionTarget(type="comment", id=c.id) for c in (mine, other)]))
    await desk.voters[1].flag_submission(item.id, "other", "Is this real?")

    app = moderator_app(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        rows = lines_of(app.screen.query_one(SubmissionList))
        assert who_wrote(rows, item.title).startswith(f"{me.display_name} (anonymous) ·")
        assert who_wrote(rows, named.title).startswith(f"{me.display_name} ·")
        await pilot.press("j", "enter")  # newest first: the anonymous one is second
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SubmissionScreen)
        assert f"{me.display_name} (anonymous to others)" in plain(
            screen.query_one("#header", Static))
        comments = "\n".join(lines_of(screen.query_one("#comments", OptionList)))
        assert f"{me.display_name} (the post's anonymous author)" in comments
        voter = (await desk.voters[0].me()).display_name
        assert voter in comments and f"{voter} (" not in comments

        await pilot.press("escape")
        queue = await open_queue(pilot)
        assert current_title(queue) == item.title
        assert f"{me.display_name}" not in "\n".join(lines_of(queue.queue))  # no names
        await pilot.press("enter")
        await settle(pilot)
        assert "anonymous to others" in text_of(queue, "#mod-item")

    # A participant sees no name at all.
    async with ChallengeApp(ClientConfig(server=desk.url, token=desk.voters[2].token or "")
                            ).run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        rows = lines_of(pilot.app.screen.query_one(SubmissionList))
        assert who_wrote(rows, item.title).startswith("Anonymous ·")
        assert who_wrote(rows, named.title).startswith(f"{me.display_name} ·")
