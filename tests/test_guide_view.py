"""The guide screen's model without a terminal: who may open the guide and when,
chapters, moves within a chapter, suggestions, row keys, the words on screen (hostile
text literal) and where exports are saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from client.guide_models import GuideEntry, Suggestions, SuggestionTheme
from client.models import Challenge, Phase, Submission, UserPublic
from tests.test_tui import HOSTILE, STORED
from tui import guide_view as gv
from tui.text import one_line

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def phase(name: str, start: int, end: int, develop: bool = False) -> Phase:
    return Phase.model_construct(id=start, position=0, name=name, starts_at=NOW + start * DAY,
                                 ends_at=NOW + end * DAY, submissions=False, comments=False,
                                 votes=False, show_counts=True, develop=develop)


def challenge(*phases: Phase) -> Challenge:
    fields: dict[str, Any] = {"slug": "c", "title": "C", "themes": ["A", "B"],
                              "phases": list(phases)}
    return Challenge.model_construct(**fields)


def entry(ident: int, theme: str | None, title: str = "", **fields: Any) -> GuideEntry:
    return GuideEntry(**{"id": ident, "challenge": "c", "title": title or f"Entry {ident}",
                         "theme": theme, "status": "proposed", "body": "", "version": 1,
                         "created_at": NOW, "updated_at": NOW, **fields})


def submission(ident: int, title: str = "", **fields: Any) -> Submission:
    return Submission(**{"id": ident, "challenge": "c", "kind": "idea",
                         "title": title or f"Idea {ident}", "body": "", "themes": [],
                         "anonymous": False, "status": "published", "comments": 0,
                         "created_at": NOW, "updated_at": NOW, **fields})


# --- who may open it -------------------------------------------------------------


def test_facilitators_open_the_guide_in_any_phase() -> None:
    assert gv.guide_refusal(challenge(phase("Share", -1, 1)), True, NOW) is None


def test_others_are_told_why_and_when() -> None:
    assert gv.guide_refusal(challenge(phase("Share", -1, 1)), False, NOW) == (
        "This challenge has no develop stage, so it has no guide.")
    upcoming = challenge(phase("Share", -1, 1), phase("[b]Dev[/b]", 1, 9, develop=True))
    said = gv.guide_refusal(upcoming, False, NOW)
    assert said is not None and "'[b]Dev[/b]' phase, from " in said
    assert gv.has_develop(upcoming) and not gv.has_develop(challenge(phase("S", -1, 1)))
    assert not gv.has_develop(None)


@pytest.mark.parametrize("start, end", [(-1, 1), (-9, -1)], ids=["running", "ended"])
def test_others_open_it_once_the_develop_phase_has_begun(start: int, end: int) -> None:
    # Once it has ended, the server says whether the guide was published.
    assert gv.guide_refusal(challenge(phase("Develop", start, end, develop=True)),
                            False, NOW) is None


# --- chapters and moves ----------------------------------------------------------


def model(*entries: GuideEntry) -> gv.GuideModel:
    found = gv.GuideModel(["A", "B"])
    found.adopt(list(entries))
    return found


def test_chapters_follow_the_challenges_themes_then_others_then_none() -> None:
    guide = model(entry(1, None), entry(2, "B"), entry(3, "Z"), entry(4, "A"), entry(5, "B"))
    assert [(theme, [e.id for e in es]) for theme, es in guide.chapters()] == [
        ("A", [4]), ("B", [2, 5]), ("Z", [3]), (None, [1])]
    lines = guide.lines()
    assert [line.theme if isinstance(line, gv.Heading) else line.id for line in lines] == [
        "A", 4, "B", 2, 5, "Z", 3, None, 1]
    assert [line.count for line in lines if isinstance(line, gv.Heading)] == [1, 2, 1, 1]


def test_a_move_swaps_with_the_neighbour_in_the_chapter_only() -> None:
    guide = model(entry(1, "A"), entry(2, "B"), entry(3, "A"), entry(4, "A"))
    assert guide.move(1, 1)
    assert guide.order() == [3, 2, 1, 4]  # entry 2 (another chapter) stays put
    assert guide.move(1, 1) and guide.order() == [3, 2, 4, 1]
    assert not guide.move(1, 1)  # the last of its chapter
    assert not guide.move(2, -1) and not guide.move(2, 1)  # alone in its chapter
    assert not guide.move(99, 1)
    assert guide.order() == [3, 2, 4, 1]
    assert guide.move(3, -1) is False and guide.move(4, -1)
    assert guide.order() == [4, 2, 3, 1]


def test_replace_keeps_the_place_regroups_by_theme_and_adds_new_ones_last() -> None:
    guide = model(entry(1, "A"), entry(2, "B"))
    guide.replace(entry(1, "B", "Renamed"))
    assert guide.order() == [1, 2]
    assert [(t, [e.title for e in es]) for t, es in guide.chapters()] == [
        ("B", ["Renamed", "Entry 2"])]
    guide.replace(entry(3, "A"))
    assert guide.order() == [1, 2, 3]
    guide.remove(2)
    assert guide.order() == [1, 3] and guide.find(2) is None


# --- suggestions -----------------------------------------------------------------


def suggestions() -> Suggestions:
    return Suggestions(items=[
        SuggestionTheme(theme="A", submissions=[submission(7), submission(8)]),
        SuggestionTheme(theme="B", submissions=[submission(8)]),
        SuggestionTheme(theme=None, submissions=[submission(9)])])


def test_a_shortlisted_suggestion_leaves_every_theme_and_empty_themes_go() -> None:
    lines = gv.suggestion_lines(gv.without(suggestions(), 8))
    assert [line.theme if isinstance(line, gv.Heading) else line.id for line in lines] == [
        "A", 7, None, 9]
    assert gv.suggestion_lines(None) == []


def test_line_keys_are_unique_and_stable() -> None:
    lines = gv.suggestion_lines(suggestions())
    keys = gv.line_keys(lines)
    assert len(set(keys)) == len(keys)  # submission 8 is under two themes
    assert keys == gv.line_keys(gv.suggestion_lines(suggestions()))
    guide = model(entry(1, "A"), entry(2, None))
    assert gv.line_keys(guide.lines()) == ["heading-entry-A", "entry-1", "heading-entry-",
                                           "entry-2"]


@pytest.mark.parametrize("typed, number", [
    ("123", 123), ("#123", 123), ("  # 7 \n", 7), ("0", None), ("12a", None), ("", None),
    ("#", None), ("99999999999", None), ("-4", None)])
def test_submission_numbers(typed: str, number: int | None) -> None:
    assert gv.submission_number(typed) == number


# --- the words ---------------------------------------------------------------------


def test_an_entry_row_says_status_review_lead_pledges_sources() -> None:
    lead = UserPublic(id=1, display_name="Ada")
    row = gv.entry_line(entry(1, "A", "Huddles", status="not_adopted",
                              review_on=date(2026, 12, 3), lead=lead, sources=[4, 5]), 2, NOW)
    assert row.plain == (" 2. Huddles\n    not adopted · review 3 Dec · lead Ada · 0 pledges · "
                         "2 sources")
    far = gv.entry_line(entry(1, "A", review_on=date(2027, 9, 1)), 1, NOW).plain
    assert "review 1 Sep 2027 · no lead" in far
    held = gv.entry_line(entry(1, "A", moderation_status="pending"), 1, NOW).plain
    assert held.endswith(" · pending")


def test_hostile_text_is_shown_literally_on_one_line() -> None:
    lead = UserPublic(id=1, display_name=HOSTILE)
    shown = gv.contents([gv.Heading(HOSTILE, 1), entry(1, HOSTILE, HOSTILE, lead=lead),
                         submission(3, HOSTILE, author=lead)], NOW)
    flat = one_line(HOSTILE).plain  # escape sequences gone, brackets kept
    assert flat.startswith("[/] [@click=app.quit]x[/] red") and STORED.startswith(flat[:20])
    assert shown[0].plain == f"{flat} · 1 entry"
    assert shown[1].plain.startswith(f" 1. {flat}\n") and f"lead {flat}" in shown[1].plain
    assert shown[2].plain.startswith(f"#3 {flat}\n") and flat in shown[2].plain
    assert not any("\x1b" in c.plain or "\x07" in c.plain for c in shown)
    assert gv.guide_heading(HOSTILE, model(), "guide", NOW).plain == (
        f"Guide: {flat} · Publication not known · 0 entries")


def test_the_heading_says_whether_the_guide_is_published() -> None:
    guide = model(entry(1, "A"))
    guide.published, guide.published_at = True, NOW - 2 * DAY
    assert gv.guide_heading("T", guide, "guide", NOW).plain == (
        "Guide: T · Published 24 Nov · 1 entry")
    guide.published = False
    assert "· Not published ·" in gv.guide_heading("T", guide, "guide", NOW).plain
    assert gv.guide_heading("T", gv.GuideModel([]), "guide", NOW).plain.endswith("loading…")
    assert gv.guide_heading("T", guide, "suggestions", NOW).plain.startswith("Suggestions")


def test_suggestion_rows_say_votes_and_author() -> None:
    row = gv.suggestion_line(submission(5, "Rota", up=3, down=1, comments=1,
                                        author=UserPublic(id=2, display_name="Bo"),
                                        anonymous=True)).plain
    assert row == "#5 Rota\n    idea · 3 supports, 1 oppose · Bo (anonymous) · 1 comment"
    assert "votes hidden · Anonymous" in gv.suggestion_line(submission(6, anonymous=True)).plain


# --- exports -----------------------------------------------------------------------


def test_exports_never_overwrite_a_file(tmp_path: Path) -> None:
    first = gv.save_export("time-to-care", "html", "<p>one</p>", tmp_path)
    second = gv.save_export("time-to-care", "html", "<p>two</p>", tmp_path)
    assert (first.name, second.name) == ("time-to-care-guide.html", "time-to-care-guide-2.html")
    assert first.read_text() == "<p>one</p>" and second.read_text() == "<p>two</p>"
    assert gv.export_path(tmp_path, "../x y", "markdown").name == "x-y-guide.md"


def test_exports_go_to_downloads_when_there_is_such_a_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert gv.export_directory() == tmp_path / "data" / "change-challenge" / "exports"
    (tmp_path / "home" / "Downloads").mkdir(parents=True)
    assert gv.export_directory() == tmp_path / "home" / "Downloads"
