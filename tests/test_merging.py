"""The merge screen's state without a terminal (``tui.merging``) and the editor's model
(``tui.entry_editing``): which draft opens, what an edit sends, conflicts picked one by
one, a result edited by hand, titles, and the result re-based on the current version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from client.guide_models import GuideEntry
from tui.entry_drafts import EntryDraft, EntryDraftStore
from tui.entry_editing import (
    base_title,
    changes,
    fresh_draft,
    is_changed,
    new_findings,
    open_draft,
    resumed_note,
)
from tui.merging import MergeSession, merge_title

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BASE = "intro\none\ntwo\nthree\nfour\nend"
SERVER = "http://127.0.0.1:5000"


def entry(body: str = BASE, version: int = 3, title: str = "Huddles") -> GuideEntry:
    return GuideEntry(id=7, challenge="c", title=title, status="proposed", body=body,
                      version=version, created_at=NOW, updated_at=NOW)


def draft(text: str, base: str = BASE, title: str = "Huddles",
          base_title: str | None = "Huddles") -> EntryDraft:
    return EntryDraft(server=SERVER, entry_id=7, base_version=2, base_text=base, text=text,
                      title=title, base_title=base_title)


# --- the editor's model -----------------------------------------------------------


def test_a_fresh_draft_begins_from_the_entry_and_changes_nothing() -> None:
    fresh = fresh_draft(SERVER, entry())
    assert (fresh.base_version, fresh.base_text, fresh.text) == (3, BASE, BASE)
    assert not is_changed(fresh) and changes(fresh) == (None, None)


def test_what_an_edit_sends_is_what_changed() -> None:
    assert changes(draft(BASE + "\nmore")) == (None, BASE + "\nmore")
    assert changes(draft(BASE, title="Daily huddles")) == ("Daily huddles", None)
    # A draft from before titles were editable never changed the title.
    old = draft(BASE + "!", title="Huddles", base_title=None)
    assert base_title(old) == "Huddles" and changes(old) == (None, BASE + "!")


def test_open_draft_resumes_a_changed_draft_and_forgets_an_unchanged_one(
        tmp_path: Path) -> None:
    store = EntryDraftStore(tmp_path)
    assert not open_draft(store, SERVER, entry()).resumed
    store.save(draft(BASE + "\nmine", base_title=None))
    opened = open_draft(store, SERVER, entry(version=5))
    assert opened.resumed and opened.draft.text.endswith("mine")
    assert opened.draft.base_version == 2 and opened.draft.base_title == "Huddles"
    assert not open_draft(store, "http://elsewhere", entry()).resumed  # per server
    store.save(draft(BASE))  # typed back to what it was
    assert not open_draft(store, SERVER, entry()).resumed
    assert store.load(SERVER, 7) is None


def test_the_resumed_note_says_when_and_whether_a_merge_is_coming() -> None:
    old = draft(BASE + "!")
    old.updated_at = NOW.isoformat()
    assert "begun at version 2" in resumed_note(old, entry(version=2), NOW)
    assert "merges both" not in resumed_note(old, entry(version=2), NOW)
    assert "version 5 now" in resumed_note(old, entry(version=5), NOW)
    old.updated_at = "not a time"
    assert "earlier" in resumed_note(old, entry(), NOW)


def test_only_new_personal_data_asks_again() -> None:
    with_number = BASE + "\nNHS number 943 476 5919"
    assert new_findings(draft(with_number))
    assert not new_findings(draft(with_number + "\nmore", base=with_number))


# --- merging ----------------------------------------------------------------------


def test_a_clean_merge_keeps_both_and_begins_from_the_current_version() -> None:
    mine = BASE.replace("one", "ONE")
    theirs = BASE.replace("four", "FOUR")
    session = MergeSession(draft(mine), entry(theirs, version=4))
    assert session.clean and session.ready and session.conflict is None
    assert session.result() == BASE.replace("one", "ONE").replace("four", "FOUR")
    rebased = session.rebased()
    assert (rebased.base_version, rebased.base_text, rebased.text) == (
        4, theirs, session.result())
    assert rebased.base_title == "Huddles" and rebased.entry_id == 7


def conflicted() -> MergeSession:
    mine = BASE.replace("one", "one (mine)").replace("four", "four (mine)")
    theirs = BASE.replace("one", "one (theirs)").replace("four", "four (theirs)")
    return MergeSession(draft(mine), entry(theirs, version=4))


def test_conflicts_are_picked_one_by_one() -> None:
    session = conflicted()
    assert len(session.conflicts) == 2 and session.unresolved == [0, 1]
    assert not session.ready
    shown = session.result().split("\n")
    assert shown[session.conflict_line(0)] == "<<<<<<< yours"
    assert shown[session.conflict_line(1)] == "<<<<<<< yours"
    session.pick("both")
    assert session.at == 1 and session.unresolved == [1]  # on to the next
    assert session.result().split("\n")[session.conflict_line(1)] == "<<<<<<< yours"
    session.pick("theirs")
    assert session.ready and session.unresolved == []
    assert session.result() == "intro\none (mine)\none (theirs)\ntwo\nthree\nfour (theirs)\nend"
    assert session.result().split("\n")[session.conflict_line(1)] == "four (theirs)"
    session.move(1)
    assert session.at == 0
    session.move(-1)
    assert session.at == 1


def test_a_result_edited_by_hand_wins_over_picks() -> None:
    session = conflicted()
    session.edited = "all mine, typed"
    assert session.ready and session.result() == "all mine, typed"
    assert session.rebased().text == "all mine, typed"
    assert not session.markers_left()
    session.edited = session.picked()  # the markers left in
    assert session.markers_left()


def test_markers_in_the_texts_themselves_are_not_taken_for_leftovers() -> None:
    text = "Title\n=======\nbody"
    session = MergeSession(draft(text + "\nmine", base=text), entry(text + "\ntheirs"))
    session.edited = "Title\n=======\nbody\nmine\ntheirs"
    assert not session.markers_left()


def test_titles_merge_like_a_line() -> None:
    assert merge_title("a", "a", "b").title == "b"
    assert merge_title("a", "b", "a").title == "b"
    assert merge_title("a", "b", "b").title == "b"
    assert not merge_title("a", "b", "b").conflict
    both = merge_title("a", "mine", "theirs")
    assert both.conflict and (both.title, both.theirs) == ("mine", "theirs")
    session = MergeSession(draft(BASE, title="Mine"), entry(title="Theirs"))
    assert session.title.conflict and session.rebased().title == "Mine"
    assert session.rebased("Typed").title == "Typed"
