"""What the entry screen says of an entry (``tui.widgets.entry_detail``): status and
review date, people, moderation, sources with anonymous authors kept anonymous, pledges
with the viewer's marked, the unsent-edit notice; untrusted text literally."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from client.guide_models import GuideEntry, Pledge, SourceRef
from client.models import UserPublic
from tests.test_tui import HOSTILE
from tui.entry_drafts import EntryDraft
from tui.text import one_line, plain
from tui.widgets.entry_detail import draft_notice, header, pledges, source_line

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def entry(**fields: object) -> GuideEntry:
    return GuideEntry.model_validate({
        "id": 1, "challenge": "c", "title": "Rota swaps", "theme": "Rotas",
        "status": "testing", "review_on": date(2027, 3, 1), "body": "", "version": 2,
        "created_at": NOW, "updated_at": NOW,
        "lead": UserPublic(id=1, display_name="Ada"),
        "contributors": [UserPublic(id=2, display_name="Bo"),
                         UserPublic(id=3, display_name="Cy")], **fields})


def test_the_header_says_status_review_date_and_people() -> None:
    shown = header(entry(), NOW).plain.splitlines()
    assert shown == ["Rota swaps",
                     "Theme: Rotas · Being tested, review on Mon 1 Mar 2027",
                     "Lead: Ada · with Bo, Cy",
                     "0 pledges · 0 comments · version 2"]
    bare = header(entry(lead=None, contributors=[], review_on=None, theme=None,
                        status="not_adopted"), NOW).plain
    assert "Theme: none · Not adopted\nLead: none yet\n" in bare


def test_a_held_entry_says_why() -> None:
    shown = header(entry(moderation_status="pending",
                         moderation_reason=f"Looks like an NHS number {HOSTILE}"), NOW).plain
    assert shown.endswith(f"Held for a moderator: Looks like an NHS number {plain(HOSTILE)}")
    hidden = header(entry(moderation_status="hidden"), NOW).plain
    assert hidden.endswith("\nHidden")
    server_said = ("Held for a moderator: it looks like it contains a phone number. Edit "
                   "it to remove details that identify a patient or colleague.")
    shown = header(entry(moderation_status="pending", moderation_reason=server_said),
                   NOW).plain
    assert shown.endswith(server_said) and shown.count("Held for a moderator") == 1


def test_untrusted_text_is_literal() -> None:
    shown = header(entry(title=HOSTILE, theme=HOSTILE,
                         lead=UserPublic(id=1, display_name=HOSTILE)), NOW).plain
    assert shown.startswith(one_line(HOSTILE).plain)
    assert one_line(HOSTILE).plain == "[/] [@click=app.quit]x[/] red evil 看护 🧑‍⚕️"
    assert "[@click=app.quit]x[/]" in shown and "\x1b" not in shown


def test_sources_name_their_authors_and_anonymous_ones_nobody() -> None:
    named = source_line(SourceRef(id=12, kind="story", title="Huddles [b]",
                                  author=UserPublic(id=1, display_name="Ada")))
    assert named.plain == "#12 story · Huddles [b] — Ada"
    anonymous = source_line(SourceRef(id=13, kind="idea", title="Quietly", author=None))
    assert anonymous.plain == "#13 idea · Quietly — anonymous"


def test_pledges_with_notes_and_the_viewers_own_marked() -> None:
    made = entry(pledges=[
        Pledge(user=UserPublic(id=5, display_name="Eve"), note="Ward 7 [/]", created_at=NOW),
        Pledge(user=UserPublic(id=6, display_name="Fay"), note=" ", created_at=NOW)])
    assert pledges(made, me=6).plain.splitlines() == [
        "Pledged to test it (2)", "• Eve: Ward 7 [/]", "★ Fay (you)"]
    assert "press p" in pledges(entry(), me=6).plain


def test_the_unsent_edit_notice() -> None:
    draft = EntryDraft(server="s", entry_id=1, base_version=1, base_text="a", text="b")
    draft.updated_at = (NOW - timedelta(minutes=5)).isoformat()
    said = draft_notice(draft, NOW).plain
    assert said.startswith("✎ An unsent edit of yours from today at ")
    assert said.endswith(" — e to resume")
    unchanged = EntryDraft(server="s", entry_id=1, base_version=1, base_text="a", text="a")
    assert draft_notice(unchanged, NOW).plain == ""
    assert draft_notice(None, NOW).plain == ""
