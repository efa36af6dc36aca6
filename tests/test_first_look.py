"""The app's first look: the challenge drawn from stdlib GETs before the typed client
loads, then the real screen in its place at the same row, with the keys pressed
meanwhile done there. Against a live server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from client import ChallengeClient
from client.config import ClientConfig
from client.models import ChallengeCreate, SubmissionCreate
from client.peek import Peek, Unavailable
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.first_look import FirstLook, prefetch, take, typed_challenge, typed_challenges, typed_user
from tui.screens.challenge import ChallengeScreen
from tui.screens.challenges import ChallengesScreen
from tui.screens.first_look import FirstChallengeScreen, FirstChallengesScreen
from tui.screens.submission import SubmissionScreen
from tui.session import Session
from tui.widgets.status_bar import StatusBar
from tui.widgets.submission_list import Row, SubmissionList

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

HOSTILE = "[/] [@click=app.quit]x[/] \x1b[31mred\x1b]0;t\x07 \u202eevil 看护"
NO_PROXIES = {"HTTP_PROXY": "", "HTTPS_PROXY": "", "ALL_PROXY": "", "http_proxy": "",
              "https_proxy": "", "all_proxy": ""}


@dataclass
class Site:
    url: str
    token: str
    admin: ChallengeClient
    titles: list[str]  # newest first


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NO_PROXIES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def site(live: LiveServer, database_url: str) -> AsyncIterator[Site]:
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    async with ChallengeClient(live.url, token=token) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        titles = [f"Story {i}" for i in range(60)] + [HOSTILE]
        for title in titles:
            await admin.create_submission("change", SubmissionCreate(
                kind="story", title=title, body="body", anonymous=title.endswith("7")))
        yield Site(live.url, token, admin, titles[::-1])


def config_for(site: Site, token: str | None = None) -> ClientConfig:
    return ClientConfig(server=site.url, token=token or site.token)


async def look_at(site: Site) -> FirstLook:
    look = await take(config_for(site), site.url, site.token)
    assert look is not None
    return look


# --- client.peek -------------------------------------------------------------------------


async def test_peek_gets_json_and_gives_up_on_any_other_answer(site: Site) -> None:
    me = await Peek(site.url, site.token).get("/me")
    assert me["role"] == "admin"
    with pytest.raises(Unavailable, match="401"):
        await Peek(site.url, "not-a-token").get("/me")
    with pytest.raises(Unavailable, match="404"):
        await Peek(site.url, site.token).get("/challenges/nothing-here")
    with pytest.raises(Unavailable):
        await Peek(site.url, "tab\tin token").get("/me")


async def test_peek_gives_up_when_nothing_listens() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(Unavailable):
        await Peek(f"http://127.0.0.1:{port}", "t").get("/me")


async def serve_once(answer: bytes) -> tuple[str, asyncio.Server]:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(reply, "127.0.0.1", 0)
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", server


async def test_peek_reads_chunked_answers_and_refuses_what_is_not_json() -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"6\r\n{\"a\": \r\n2\r\n1}\r\n0\r\n\r\n")
    url, server = await serve_once(chunked)
    async with server:
        assert await Peek(url, "t").get("/x") == {"a": 1}
    url, server = await serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n<h1>")
    async with server:
        with pytest.raises(Unavailable, match="JSONDecodeError"):
            await Peek(url, "t").get("/x")


def test_peek_does_not_apply_through_a_proxy() -> None:
    assert Peek.applies("http://127.0.0.1:1", {})
    assert Peek.applies("http://127.0.0.1:1", {"HTTPS_PROXY": ""})  # empty means unset
    assert not Peek.applies("http://127.0.0.1:1", {"HTTPS_PROXY": "http://proxy:3128"})
    assert not Peek.applies("http://127.0.0.1:1", {"all_proxy": "socks5://p"})
    assert not Peek.applies("ftp://x.org", {})


# --- tui.first_look ----------------------------------------------------------------------


async def test_the_first_look_is_what_the_typed_client_would_show(site: Site) -> None:
    look = await look_at(site)
    one = look.one
    assert one is not None
    assert (one.slug, one.title, one.sort) == ("change", "Bottom-up change", "new")
    assert [kind for kind, _ in one.prompts] == ["story", "idea"]
    assert look.who.role == "admin" and one.phase is not None
    page = await site.admin.list_submissions("change", kind="story", sort="new", limit=50)
    rows = one.rows()
    assert rows == [Row.of(s) for s in page.items]  # every field, hostile title included
    assert rows[0].title.startswith("[/] [@click=app.quit]x[/]")
    challenge, checked, cursor = typed_challenge(one)
    assert checked == rows and cursor == page.next_cursor is not None
    assert challenge.slug == "change" and typed_user(look).role == "admin"


async def test_with_several_challenges_the_first_look_is_their_list(site: Site) -> None:
    await site.admin.create_challenge(ChallengeCreate.model_validate(
        challenge_spec("second", title=HOSTILE)))
    look = await look_at(site)
    assert look.one is None
    summaries = look.summaries()
    listed = (await site.admin.list_challenges(limit=100)).items
    assert [(s.slug, s.title, s.submissions) for s in summaries] == [
        (c.slug, c.title, c.submissions) for c in listed]
    assert [s.current_phase.name if s.current_phase else None for s in summaries] == [
        c.current_phase.name if c.current_phase else None for c in listed]
    assert typed_challenges(look).items == listed


async def test_no_first_look_when_it_would_not_be_the_same(site: Site,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    assert await take(config_for(site), site.url, "revoked") is None
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    assert await take(config_for(site), site.url, site.token) is None
    monkeypatch.delenv("HTTP_PROXY")


async def test_no_first_look_from_answers_not_as_the_api_promises() -> None:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{"items": "oops"}')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(reply, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        assert await take(ClientConfig(server=url), url, "t") is None


# --- the app -----------------------------------------------------------------------------


def held_open(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold ``Session.open`` (which loads httpx and the wire models) until the event is
    set, so a test can act on the first look before the real screen replaces it."""
    gate = threading.Event()
    real: Callable[..., Session] = Session.open

    def wait_then_open(*args: Any, **kwargs: Any) -> Session:
        assert gate.wait(30), "the test never let the session open"
        return real(*args, **kwargs)

    monkeypatch.setattr(Session, "open", wait_then_open)
    return gate


@contextlib.asynccontextmanager
async def first_look(site: Site, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int],
                     ) -> AsyncIterator[tuple[Pilot[None], threading.Event]]:
    """The app as the command line starts it, showing its first look; the session is
    held back until the test sets the event it is given."""
    gate = held_open(monkeypatch)
    config = config_for(site)
    early = prefetch(config)
    app = ChallengeApp(config, early=early)
    async with app.run_test(size=size, notifications=True) as pilot:
        await asyncio.wrap_future(early)
        await pilot.pause()
        yield pilot, gate


async def test_the_app_shows_the_first_look_then_the_real_screen_at_the_same_row(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    async with first_look(site, monkeypatch, (100, 30)) as (pilot, gate):
        app = pilot.app
        assert isinstance(app, ChallengeApp)
        first = app.screen
        assert isinstance(first, FirstChallengeScreen), first
        items = first.query_one(SubmissionList)
        assert [row.title for row in items.items[:2]] == [r.title for r in first.rows[:2]]
        assert "admin" in text_of(first.query_one(StatusBar))
        assert "Bottom-up change" in text_of(first.query_one("#heading", Static))
        await pilot.press("down", "j", "enter")  # moved now; enter held for the real screen
        assert items.highlighted == 2 and [key.key for key in first.held] == ["enter"]
        gate.set()
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, SubmissionScreen), opened
        assert opened.item.title == site.titles[2]
        await pilot.press("escape")
        await settle(pilot)
        real = app.screen
        assert isinstance(real, ChallengeScreen) and real.current_list is not None
        assert real.current_list.highlighted == 2
        assert len(real.current_list.items) == 50  # the page that was shown, checked
        assert app.session is not None and app.session.user is not None


async def test_typing_on_the_first_look_reaches_the_real_screen_in_order(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search typed at once is a search on the real screen, not four commands (w
    would withdraw, d open the drafts); the list scrolled on the first look stays
    scrolled."""
    async with first_look(site, monkeypatch, (80, 24)) as (pilot, gate):
        app = pilot.app
        first = app.screen
        assert isinstance(first, FirstChallengeScreen), first
        await pilot.press(*["down"] * 14, "slash", "w", "a", "r", "d", "j")
        assert first.front_list.highlighted == 14  # the cursor keys acted at once
        assert [key.key for key in first.held] == ["slash", "w", "a", "r", "d", "j"]
        gate.set()
        await settle(pilot)
        real = app.screen
        assert isinstance(real, ChallengeScreen), real
        assert real.search_box is not None and real.search_box.value == "wardj"
        items = real.current_list
        assert items is not None and items.highlighted == 14
        top, height = items.scroll_offset.y, items.scrollable_content_region.height
        assert top <= 14 * 2 and top + height >= 14 * 2 + 2, (top, height)


async def test_the_palette_asked_for_on_the_first_look_opens_after_it(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    async with first_look(site, monkeypatch, (80, 24)) as (pilot, gate):
        app = pilot.app
        first = app.screen
        assert isinstance(first, FirstChallengeScreen), first
        await pilot.press("ctrl+p")
        assert [key.key for key in first.held] == ["ctrl+p"]
        assert app.screen is first  # not over the first look, which is about to go
        gate.set()
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette), app.screen
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChallengeScreen), app.screen


async def test_a_kept_token_that_stopped_working_goes_the_usual_way(
        site: Site) -> None:
    config = config_for(site, token="revoked-or-made-up")
    early = prefetch(config)
    app = ChallengeApp(config, early=early)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await asyncio.wrap_future(early)
        await settle(pilot)
        assert not isinstance(app.screen, FirstChallengeScreen | ChallengeScreen), app.screen
        assert app.session is not None and app.session.user is None


async def test_the_challenges_list_first_look_hands_over_the_same_way(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    await site.admin.create_challenge(ChallengeCreate.model_validate(
        challenge_spec("second", title=HOSTILE)))
    async with first_look(site, monkeypatch, (80, 24)) as (pilot, gate):
        app = pilot.app
        first = app.screen
        assert isinstance(first, FirstChallengesScreen), first
        lines = first.query_one(OptionList)
        assert lines.option_count == 2
        shown = [str(lines.get_option_at_index(i).prompt) for i in range(2)]
        assert any(line.startswith("[/] [@click=app.quit]x[/]") for line in shown), shown
        await pilot.press("j", "enter")
        assert [key.key for key in first.held] == ["enter"] and lines.highlighted == 1
        gate.set()
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, ChallengeScreen), opened
        listed = (await site.admin.list_challenges(limit=100)).items
        assert opened.slug == listed[1].slug
        assert isinstance(app.screen_stack[-2], ChallengesScreen)
