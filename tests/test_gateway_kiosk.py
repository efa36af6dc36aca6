"""Kiosk mode (``tui.kiosk``), as the gateway runs it: one server, nothing kept on disk,
nothing saved, opened or run outside the app, idle sessions ended; and the colours
Textual picks from ``TERM`` and ``NO_COLOR``."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from textual.app import SuspendNotSupported
from textual.filter import Monochrome, NoColor
from textual.screen import Screen
from textual.widgets import Input

from client.config import ClientConfig
from tests import tui_support
from tests.support import LiveServer
from tests.test_tui_forms import sign_in_screen
from tests.tui_support import settle
from tui.app import ChallengeApp
from tui.drafts import Draft, DraftStore
from tui.kiosk import HUNG_UP_LIMIT, REFUSED, IdleWatch, KioskApp, kiosk_config
from tui.memory_stores import MemoryDraftStore, MemoryEntryDraftStore
from tui.screens.connect import ConnectScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

PASSWORD = "a long password"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


async def test_the_kiosk_signs_in_to_its_own_server_and_keeps_nothing(
        live: LiveServer, tmp_path: Path) -> None:
    app = KioskApp(kiosk_config(live.url + "/"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await sign_in_screen(pilot)
        await settle(pilot)
        server = screen.query_one("#server", Input)
        assert not server.display and server.disabled  # the server is not to be changed
        assert "server" not in [field.id for field in screen.fields]
        assert screen.focused is screen.query_one("#email", Input)
        await pilot.press("ctrl+r", *"kim@example.org", "tab", *"Kim", "tab", *PASSWORD,
                          "enter")
        await settle(pilot)
        assert app.session is not None and app.session.user is not None
        assert app.session.server == live.url
        assert app.session.store.store.kind == "memory"
        assert not isinstance(app.screen, ConnectScreen)
    assert files_under(tmp_path / "data") == [] and files_under(tmp_path / "config") == []


def test_the_kiosk_config_reads_no_file_and_no_environment(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHALLENGE_TOKEN", "someone-elses")
    monkeypatch.setenv("CHALLENGE_TOKEN_STORE", "file")
    config = kiosk_config("https://c.example.org/")
    assert config == ClientConfig(server="https://c.example.org", token_store="memory")


async def test_drafts_stay_in_memory(tmp_path: Path) -> None:
    app = KioskApp(kiosk_config("http://127.0.0.1:9"))
    store = app.draft_store()
    assert isinstance(store, MemoryDraftStore) and app.draft_store() is store
    assert isinstance(app.entry_draft_store(), MemoryEntryDraftStore)
    draft = Draft(server="http://127.0.0.1:9", challenge="c", kind="idea", title="Mine")
    store.save(draft)
    draft.title = "changed after saving"
    assert [d.title for d in store.all()] == ["Mine"]
    loaded = store.load(draft.id)
    assert loaded is not None and loaded.title == "Mine"
    store.delete(draft.id)
    assert store.all() == [] and store.load(draft.id) is None
    assert files_under(tmp_path / "data") == []
    # The desktop app keeps its drafts on disk, as before.
    desktop = ChallengeApp(ClientConfig(server="http://127.0.0.1:9"))
    assert type(desktop.draft_store()) is DraftStore and not desktop.kiosk


async def test_nothing_is_saved_opened_or_run_outside_the_app(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = KioskApp(kiosk_config("http://127.0.0.1:9"))
    killed: list[object] = []
    monkeypatch.setattr(os, "kill", lambda *args: killed.append(args))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Screenshot" not in titles and "Quit" in titles
        assert app.kiosk
        opened: list[str] = []
        assert app._driver is not None
        monkeypatch.setattr(app._driver, "open_url", lambda url, new_tab: opened.append(url))
        app.open_url("https://example.org")
        assert app.deliver_text(Path("/etc/hostname")) is None
        app.action_screenshot()
        with pytest.raises(PermissionError):
            app.save_screenshot()
        app.action_suspend_process()
        with pytest.raises(SuspendNotSupported), app.suspend():
            pass
        await pilot.pause()
        assert opened == [] and killed == []
        said = [n.message for n in app._notifications]
        assert said.count(REFUSED) == 3
    # The desktop app's palette still offers the screenshot (what the kiosk takes away).
    desktop = ChallengeApp(ClientConfig(server="http://127.0.0.1:9"))
    async with desktop.run_test(size=(80, 24)):
        assert "Screenshot" in {c.title for c in desktop.get_system_commands(desktop.screen)}


def test_the_idle_watch_warns_a_minute_before_and_a_key_starts_again() -> None:
    clock = Clock()
    watch = IdleWatch(600, clock)
    clock.now += 539
    assert watch.due() is None
    clock.now += 1
    assert watch.due() == "warn" and watch.due() is None  # once
    watch.touch()
    clock.now += 599
    assert watch.due() == "warn"
    clock.now += 1
    assert watch.due() == "end"
    short = IdleWatch(20, clock)
    assert short.warn_after == 10 and 0.25 <= short.step <= 1


async def test_an_idle_session_is_warned_then_ends() -> None:
    clock = Clock()
    app = KioskApp(kiosk_config("http://127.0.0.1:9"), idle_seconds=300, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        clock.now += 240
        app.idle_tick()
        await pilot.pause()
        assert [n.title for n in app._notifications] == ["Still there?"]
        await pilot.press("x")  # any key: a new idle spell
        clock.now += 299
        app.idle_tick()
        assert app.return_code is None
        clock.now += 1
        app.idle_tick()
        await pilot.pause()
        assert app.return_code == 0  # exited, with its message


class Editor(Screen[None]):
    """A screen with typing not saved yet, as the compose and entry editors have."""

    def __init__(self, done: list[object]) -> None:
        super().__init__()
        self.done = done

    def save_if_dirty(self) -> None:
        self.done.append("saved")


async def test_a_hang_up_saves_sends_then_ends_the_process_once() -> None:
    """sshd closed the terminal (SIGHUP): what was typed is saved, what is pending sent,
    then the process ends (``end_process``: ``os._exit`` outside tests), with an alarm
    set in case anything holds that up. A second SIGHUP changes nothing."""
    done: list[object] = []
    app = KioskApp(kiosk_config("http://127.0.0.1:9"))
    app.end_process = lambda status: done.append(("ended", status))

    async def flush() -> None:
        done.append("sent")

    app.stop_draft_sync = flush  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(Editor(done))
        try:
            app.hung_up()
            app.hung_up()
            assert app.hanging_up is not None
            await app.hanging_up
            assert 0 < signal.alarm(0) <= HUNG_UP_LIMIT
        finally:
            signal.alarm(0)
        await pilot.pause()
        assert done == ["saved", "sent", ("ended", 128 + signal.SIGHUP)]


@pytest.mark.parametrize(("term", "system"), [
    ("xterm-256color", "256"), ("xterm", "standard"), ("screen", "standard"),
    ("linux", "standard"), ("dumb", None), ("unknown", None)])
def test_textual_takes_the_colours_from_term(monkeypatch: pytest.MonkeyPatch, term: str,
                                            system: str | None) -> None:
    """What Textual 8 (through Rich) does already, and the gateway relies on: 256 colours
    for *-256color, 16 for xterm, screen, linux, none for dumb (COLORTERM, which could
    ask for more, never travels over ssh)."""
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    app = KioskApp(kiosk_config("http://127.0.0.1:9"))
    assert app.console.color_system == system
    assert not app.no_color
    # With no colour system Textual would draw colours all the same: the kiosk says none.
    stripped = any(isinstance(f, NoColor) for f in app.get_line_filters())
    assert stripped == (system is None)


def test_no_color_turns_colours_to_greys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = KioskApp(kiosk_config("http://127.0.0.1:9"))
    assert app.no_color and any(isinstance(f, Monochrome) for f in app.get_line_filters())
