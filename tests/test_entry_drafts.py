"""Entry edits kept on disk: saved, found again per server and entry, and gone once sent."""

from __future__ import annotations

from pathlib import Path

from tui.entry_drafts import EntryDraft, EntryDraftStore


def test_a_draft_is_found_again_for_its_server_and_entry(tmp_path: Path) -> None:
    store = EntryDraftStore(tmp_path)
    draft = EntryDraft("https://a.example", 7, 3, "base", "base and mine [/]", "Huddles")
    store.save(draft)
    found = EntryDraftStore(tmp_path).load("https://a.example", 7)  # as after a restart
    assert found == draft and found.changed
    assert store.load("https://b.example", 7) is None
    assert store.load("https://a.example", 8) is None


def test_saving_again_replaces_and_delete_removes(tmp_path: Path) -> None:
    store = EntryDraftStore(tmp_path)
    draft = EntryDraft("s", 1, 1, "base", "one")
    store.save(draft)
    draft.text = "two"
    store.save(draft)
    found = store.load("s", 1)
    assert found is not None and found.text == "two"
    assert len(list(tmp_path.glob("*.json"))) == 1
    assert not list(tmp_path.glob(".draft-*"))  # no temporary file left behind
    store.delete("s", 1)
    assert store.load("s", 1) is None
    store.delete("s", 1)  # twice is fine


def test_an_unreadable_file_is_no_draft(tmp_path: Path) -> None:
    store = EntryDraftStore(tmp_path)
    store.save(EntryDraft("s", 1, 1, "", "x"))
    (path,) = tmp_path.glob("*.json")
    path.write_text("{not json", encoding="utf-8")
    assert store.load("s", 1) is None
    path.write_text('{"server": "s"}', encoding="utf-8")
    assert store.load("s", 1) is None
