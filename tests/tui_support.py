"""What the Pilot tests of the terminal app share: a SQLite-only live server, a private
home for drafts and config, waiting for the app to settle, and a widget's text."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The app tests run on SQLite only (the server's own tests cover PostgreSQL)."""
    return sqlite_url


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drafts and config go to a temporary home, never the developer's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every worker is done and the screen has caught up."""
    for _ in range(5):
        # A newer exclusive worker cancelling an older one is normal, not a failure.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text."""
    content = widget.content
    return content.plain if isinstance(content, Content) else str(content)
