"""The demo leaves the participant's unsent guide edit where the app keeps entry
drafts: for this run's address, once, never over an edit in progress, and not once
the entry has moved on; untouched copies for earlier runs' addresses go."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from sqlalchemy import update

from server.config import Settings
from server.db import Database
from server.guide_tables import GuideEntryRow
from server.seed.demo import seed_demo
from tui.demo import DEMO_PEOPLE, leave_demo_draft
from tui.entry_drafts import EntryDraftStore

AMARA = DEMO_PEOPLE["participant"][0]
RACHEL = DEMO_PEOPLE["moderator"][0]


def seeded(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    asyncio.run(seed_demo(Settings(database_url=url, argon2_time_cost=1,
                                   argon2_memory_kib=256), quiet=True))
    return url


def test_the_demo_leaves_the_participants_edit_for_this_run(tmp_path: Path) -> None:
    url = seeded(tmp_path)
    store = EntryDraftStore(tmp_path / "drafts")
    first = leave_demo_draft(url, "http://127.0.0.1:5001", AMARA, store)
    assert first is not None and first.changed
    assert store.load("http://127.0.0.1:5001", first.entry_id) == first
    assert first.base_version == 4 and first.title == "Bedside handover with a one-page sheet"
    assert leave_demo_draft(url, "http://127.0.0.1:5001", RACHEL, store) is None

    # The next run, on another port: the same edit there, the untouched copy gone.
    second = leave_demo_draft(url, "http://127.0.0.1:5002", AMARA, store)
    assert second is not None and second.text == first.text
    assert store.load("http://127.0.0.1:5001", first.entry_id) is None
    assert len(list((tmp_path / "drafts").glob("*.json"))) == 1

    # An edit the person has typed into is theirs: kept, and not overwritten.
    typed = replace(second, text=second.text + "\nMore of mine.")
    store.save(typed)
    assert leave_demo_draft(url, "http://127.0.0.1:5002", AMARA, store) is None
    assert leave_demo_draft(url, "http://127.0.0.1:5003", AMARA, store) is not None
    kept = store.load("http://127.0.0.1:5002", first.entry_id)
    assert kept is not None and kept.text.endswith("More of mine.")


def test_no_edit_is_left_once_the_entry_has_moved_on(tmp_path: Path) -> None:
    url = seeded(tmp_path)

    async def edited() -> None:
        db = Database.connect(url, pool_size=1)
        try:
            async with db.write() as session:
                await session.execute(update(GuideEntryRow).values(
                    version=GuideEntryRow.version + 1))
                await session.commit()
        finally:
            await db.dispose()

    asyncio.run(edited())
    store = EntryDraftStore(tmp_path / "drafts")
    assert leave_demo_draft(url, "http://127.0.0.1:5001", AMARA, store) is None
    assert not (tmp_path / "drafts").exists()
