"""Drafts on the server, in the app (``tui.syncing``), against the seeded demo on a live
server: a kiosk session's drafts and entry edits are back in the next session; a desk
offline keeps its drafts and sends them when the server is back, saying so once; two
desks on one draft keep both texts; signing out of the kiosk leaves nothing behind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import JsonValue
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from client import ChallengeClient
from client.config import ClientConfig
from client.models import Challenge
from tests import tui_support
from tests.entry_support import AMARA, HOSTILE, SLUG, Demo, demo, opened, type_at_end
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.draft_values import SUBMISSION
from tui.kiosk import KioskApp, kiosk_config
from tui.screens.compose import ComposeScreen
from tui.screens.drafts import DraftsScreen
from tui.screens.entry import EntryScreen
from tui.screens.entry_editor import EntryEditorScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["demo"]


class Switch(httpx.AsyncBaseTransport):
    """The network to the live server, that can go down."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("the network is down", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def amara(demo: Demo) -> AsyncIterator[ChallengeClient]:
    """Amara at another desk: what the server keeps of hers."""
    async with ChallengeClient(demo.url) as client:
        await client.login(*AMARA)
        yield client


def kiosk(demo: Demo) -> KioskApp:
    return KioskApp(kiosk_config(demo.url), sign_in_as=AMARA)


async def signed_in(pilot: Pilot[None]) -> Challenge:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, ChallengeApp) and app.session is not None
    assert app.session.user is not None and app.draft_sync is not None
    return await app.session.client.get_challenge(SLUG)


async def write_draft(pilot: Pilot[None], challenge: Challenge, title: str,
                      body: str) -> None:
    app = pilot.app
    assert isinstance(app, ChallengeApp)
    app.open_composer(challenge, challenge.prompts[0].kind)
    screen = await opened(pilot, ComposeScreen)
    screen.query_one("#title", Input).value = title
    await type_at_end(pilot, body)
    await pilot.press("escape")  # closed, the draft kept
    await settle(pilot)


async def server_drafts(client: ChallengeClient) -> list[dict[str, JsonValue]]:
    values = [d.value async for d in client.iter_drafts(prefix=SUBMISSION)]
    return [v for v in values if isinstance(v, dict)]


def drafts_listed(pilot: Pilot[None]) -> list[str]:
    options = pilot.app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_a_kiosk_draft_is_back_in_the_next_session(demo: Demo,
                                                         amara: ChallengeClient) -> None:
    first = kiosk(demo)
    async with first.run_test(size=(80, 24), notifications=True) as pilot:
        challenge = await signed_in(pilot)
        await write_draft(pilot, challenge, "Huddle at ten", "Typed before the drop.")
    # The session ended (as a dropped connection ends it): what was typed is on the server.
    assert [v["title"] for v in await server_drafts(amara)] == ["Huddle at ten"]

    second = kiosk(demo)
    async with second.run_test(size=(80, 24), notifications=True) as pilot:
        challenge = await signed_in(pilot)
        second.open_drafts(challenge)
        await opened(pilot, DraftsScreen)
        assert "Huddle at ten" in drafts_listed(pilot)[0]
        await pilot.press("enter")
        compose = await opened(pilot, ComposeScreen)
        assert compose.query_one("#title", Input).value == "Huddle at ten"
        assert compose.query_one("#body", TextArea).text == "Typed before the drop."


async def test_a_kiosk_entry_edit_is_back_in_the_next_session(demo: Demo) -> None:
    first = kiosk(demo)
    async with first.run_test(size=(80, 24), notifications=True) as pilot:
        await signed_in(pilot)
        first.open_entry_editor(demo.entry, demo.done)
        await opened(pilot, EntryEditorScreen)
        await type_at_end(pilot, "\nAsk the night team. " + HOSTILE)
        typed = first.screen.query_one("#body", TextArea).text
        assert "Ask the night team. [/] [@click=app.quit]" in typed
        await pilot.press("escape")
        await settle(pilot)

    second = kiosk(demo)
    async with second.run_test(size=(80, 24), notifications=True) as pilot:
        challenge = await signed_in(pilot)
        second.open_entry(demo.entry.id, challenge)
        entry = await opened(pilot, EntryScreen)
        assert "unsent edit of yours" in text_of(entry.query_one("#notice"))
        second.open_entry_editor(demo.entry, demo.done)
        editor = await opened(pilot, EntryEditorScreen)
        assert editor.resumed
        text = editor.query_one("#body", TextArea).text
        assert text == typed


async def test_signing_out_of_the_kiosk_leaves_nothing_for_the_next(
        demo: Demo, amara: ChallengeClient) -> None:
    app = kiosk(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        challenge = await signed_in(pilot)
        await write_draft(pilot, challenge, "Mine alone", "Not for the next person.")
        app.open_entry_editor(demo.entry, demo.done)
        await opened(pilot, EntryEditorScreen)
        await type_at_end(pilot, "\nMine too.")
        await pilot.press("escape")
        await settle(pilot)
        assert app.draft_store().all() != []
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.session is not None and app.session.user is None
        assert app.draft_store().all() == []
        assert app.entry_draft_store().all(demo.url) == []
        assert app.memory_states.states == {} and app.draft_sync is None
    # Sent before the sign-out: Amara finds them at her next sign-in.
    assert [v["title"] for v in await server_drafts(amara)] == ["Mine alone"]
    assert len([d async for d in amara.iter_drafts(prefix="entry:")]) == 1


async def test_a_desk_offline_keeps_its_drafts_and_sends_them_later(
        demo: Demo, amara: ChallengeClient) -> None:
    network = Switch()
    app = ChallengeApp(ClientConfig(server=demo.url, token_store="memory", retries=0),
                       sign_in_as=AMARA, transport=network)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        challenge = await signed_in(pilot)
        network.down = True
        await write_draft(pilot, challenge, "Written offline", "On this computer.")
        await write_draft(pilot, challenge, "And another", "Still offline.")
        await app.sync_drafts_now()
        await app.sync_drafts_now()
        await settle(pilot)
        said = [n.message for n in app._notifications if n.title == "Drafts"]
        assert len(said) == 1 and "cannot be reached" in said[0]
        assert {d.title for d in app.draft_store().all()} == {"Written offline",
                                                              "And another"}
        network.down = False
        await app.sync_drafts_now()
        await settle(pilot)
        assert len([n for n in app._notifications if n.title == "Drafts"]) == 1
    titles = {v["title"] for v in await server_drafts(amara)}
    assert titles == {"Written offline", "And another"}


async def test_two_desks_on_one_draft_keep_both_texts(demo: Demo,
                                                      amara: ChallengeClient) -> None:
    app = ChallengeApp(ClientConfig(server=demo.url, token_store="memory"),
                       sign_in_as=AMARA)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        challenge = await signed_in(pilot)
        await write_draft(pilot, challenge, "Shared", "Begun here.")
        await app.sync_drafts_now()
        # The other desk changes it meanwhile.
        (kept,) = [d async for d in amara.iter_drafts(prefix=SUBMISSION)]
        assert isinstance(kept.value, dict)
        await amara.put_draft(kept.key, {**kept.value, "body": "Changed at the other desk."},
                              version=kept.version)
        # This desk goes on typing in it, not knowing.
        app.open_drafts(challenge)
        await opened(pilot, DraftsScreen)
        await pilot.press("enter")
        await opened(pilot, ComposeScreen)
        await type_at_end(pilot, " And more here.")
        await pilot.press("escape")
        await settle(pilot)
        await app.sync_drafts_now()
        await settle(pilot)
        assert any("both are kept" in n.message for n in app._notifications)
        bodies = sorted(d.body for d in app.draft_store().all())
        assert bodies == ["Begun here. And more here.", "Changed at the other desk."]
        await app.sync_drafts_now()
    assert sorted(str(v["body"]) for v in await server_drafts(amara)) == bodies
