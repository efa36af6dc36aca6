"""A guide entry's settings, as a facilitator changes them from the entry screen at 80x24
against a live server on the seeded demo: the lead and contributors saved, a review
date checked at its field, the server's refusal said at the field, and someone else's
save meanwhile reloaded with the choices made kept."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from client.errors import Invalid
from client.guide_models import EntryUpdate, GuideEntry
from client.models import FieldError, validation_problem
from tests import tui_support
from tests.entry_screen_support import (
    OBSERVATIONS,
    RACHEL,
    Demo,
    demo,
    demo_app,
    open_entry,
    seeded_demo,
    showing,
)
from tests.support import next_march
from tests.tui_support import settle, text_of
from tui.screens.entry import EntryScreen
from tui.screens.entry_settings import CONFLICT, EntrySettingsScreen
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.form_rows import ErrorLine

private_dirs = tui_support.private_dirs
__all__ = ["demo", "seeded_demo"]  # the fixtures, for pytest

SIOBHAN, JOANNE = 5, 13  # the demo's people, by id


async def open_settings(pilot: Pilot[None]) -> tuple[EntryScreen, EntrySettingsScreen]:
    entry = await open_entry(pilot)
    await pilot.press("s")
    await settle(pilot)
    settings = pilot.app.screen
    assert isinstance(settings, EntrySettingsScreen), settings
    return entry, settings


async def choose_lead(pilot: Pilot[None], *moves: str) -> None:
    """From the status (focused first): to the lead, open it, move, choose."""
    await pilot.press("tab", "tab", "enter", *moves, "enter")
    await settle(pilot)


async def saved_entry(demo: Demo) -> GuideEntry:
    async with demo.person(RACHEL) as client:
        return await client.get_guide_entry(OBSERVATIONS)


def message(settings: EntrySettingsScreen) -> str:
    return text_of(settings.query_one("#message", Static))


async def test_a_facilitator_changes_the_lead_and_a_contributor(demo: Demo) -> None:
    app = demo_app(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        entry, settings = await open_settings(pilot)
        assert settings.query_one("#lead_id", Select).value == JOANNE
        await choose_lead(pilot, "down")  # Joanne Pickering → Siobhan Keane, the next
        assert settings.query_one("#lead_id", Select).value == SIOBHAN
        await pilot.press("tab", "space")  # the contributors: Joanne, now one too
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert showing(app, entry)
        saved = await saved_entry(demo)
        assert saved.lead is not None and saved.lead.display_name == "Siobhan Keane"
        assert {c.display_name for c in saved.contributors} == {
            "Joanne Pickering", "Siobhan Keane", "Kwame Asante", "Oliver Thackeray"}
        assert "Lead: Siobhan Keane" in text_of(entry.query_one("#header", Static))
        assert entry.entry is not None and entry.entry.version == saved.version


async def test_a_review_date_is_checked_at_its_field(demo: Demo) -> None:
    app = demo_app(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        _, settings = await open_settings(pilot)
        before = (await saved_entry(demo)).version
        review = settings.query_one("#review_on", Input)
        review.value = "2027-02-30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert showing(app, settings) and review.has_focus
        assert "YYYY-MM-DD" in settings.query_one("#review_on-error", ErrorLine).message
        assert (await saved_entry(demo)).version == before  # nothing was sent
        # Typing slips: before the year the challenge began, or years ahead.
        for slip, said in (("1999-01-01", "too early: the challenge began in "),
                           ("9999-12-31", "too far ahead: a review is at most 5 years away")):
            review.value = slip
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert showing(app, settings) and review.has_focus
            assert settings.query_one("#review_on-error", ErrorLine).message.startswith(said)
            assert (await saved_entry(demo)).version == before
        march = next_march()
        review.value = march.isoformat()
        await settle(pilot)
        assert text_of(settings.query_one("#review_on-hint", Static)) == (
            f"{march:%a} 1 Mar {march.year}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (await saved_entry(demo)).review_on == march


async def test_the_servers_refusal_is_said_at_the_field(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    app = demo_app(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        _, settings = await open_settings(pilot)

        async def refuse(*args: Any, **kwargs: Any) -> GuideEntry:
            raise Invalid(validation_problem([
                FieldError(field="contributor_ids.0", message="no such user 99 [/]")]))

        monkeypatch.setattr(settings.client, "update_guide_entry", refuse)
        await pilot.press("tab", "tab", "tab", "space", "ctrl+s")
        await settle(pilot)
        assert showing(app, settings)
        line = settings.query_one("#contributor_ids-error", ErrorLine)
        assert line.display and line.message == "no such user 99 [/]"
        assert message(settings) == "Not saved: see the fields marked."
        await pilot.press("escape")  # something was chosen: asked before it is lost
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "What you chose here is lost" in text_of(app.screen.query_one(Static))
        await pilot.press("n")
        await settle(pilot)
        assert showing(app, settings)
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)


async def test_someone_elses_save_meanwhile_is_reloaded_and_the_choice_kept(
        demo: Demo) -> None:
    app = demo_app(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        entry, settings = await open_settings(pilot)
        async with demo.person(RACHEL) as other:  # a facilitator, elsewhere
            current = await other.get_guide_entry(OBSERVATIONS)
            await other.update_guide_entry(OBSERVATIONS, EntryUpdate(status="not_adopted"),
                                           version=current.version)
        await choose_lead(pilot, "down")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert showing(app, settings)
        assert message(settings) == CONFLICT
        # Their status, shown; this person's lead, kept.
        assert settings.query_one("#status", Select).value == "not_adopted"
        assert settings.query_one("#lead_id", Select).value == SIOBHAN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert showing(app, entry)
        saved = await saved_entry(demo)
        assert saved.status == "not_adopted"
        assert saved.lead is not None and saved.lead.id == SIOBHAN
