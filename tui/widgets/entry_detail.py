"""What the entry screen shows of a guide entry: its header, the unsent-edit notice, its
sources, pledges and comments, and its text with the citations as links.

Everything here that a person or the server wrote goes through ``tui.text`` (never
markup, escapes stripped); anonymous authors stay anonymous.
"""

from __future__ import annotations

from datetime import date, datetime

from textual.content import Content

from client.guide_models import EntryComment, GuideEntry, SourceRef
from tui.entry_drafts import EntryDraft
from tui.text import ago, local_time, one_line, plain, plural, safe

STATUS_NAMES = {"proposed": "Proposed", "testing": "Being tested", "adopted": "Adopted",
                "not_adopted": "Not adopted"}
MODERATION = {"pending": "Held for a moderator", "hidden": "Hidden"}
DOT = Content.styled(" · ", "dim")


def day(when: date, today: date) -> str:
    """'Mon 8 Mar', with the year when it is not this one."""
    year = f" {when.year}" if when.year != today.year else ""
    return f"{when:%a} {when.day} {when:%b}{year}"


def status_text(entry: GuideEntry, today: date) -> str:
    """'Being tested, review on Mon 8 Mar'."""
    review = f", review on {day(entry.review_on, today)}" if entry.review_on else ""
    return f"{STATUS_NAMES.get(entry.status, entry.status)}{review}"


def names(people: list[str]) -> Content:
    return Content(", ").join([one_line(p) for p in people])


def header(entry: GuideEntry, now: datetime) -> Content:
    """Title; theme and status; lead and contributors; moderation, when not published."""
    lines = [
        one_line(entry.title, "bold"),
        Content.assemble(Content.styled("Theme: ", "dim"), one_line(entry.theme or "none"),
                         DOT, Content.styled(status_text(entry, now.date()), "bold")),
        Content.assemble(
            Content.styled("Lead: ", "dim"),
            one_line(entry.lead.display_name) if entry.lead else Content.styled("none yet",
                                                                               "italic"),
            *((DOT, Content.styled("with ", "dim"),
               names([c.display_name for c in entry.contributors]))
              if entry.contributors else ())),
        Content.styled(f"{plural(len(entry.pledges), 'pledge')} · "
                       f"{plural(entry.comments, 'comment')} · version {entry.version}",
                       "dim"),
    ]
    if entry.moderation_status != "published":
        said = MODERATION.get(entry.moderation_status, entry.moderation_status)
        # The server's reason may already say what the state is ("Held for a moderator:
        # it looks like..."): not twice.
        reason = plain(entry.moderation_reason or "")
        shown = reason if reason.lower().startswith(said.lower()) else (
            f"{said}: {reason}" if reason else said)
        lines.append(Content.styled(shown, "bold"))
    return Content("\n").join(lines)


def draft_time(draft: EntryDraft) -> datetime | None:
    try:
        return datetime.fromisoformat(draft.updated_at)
    except ValueError:
        return None


def draft_notice(draft: EntryDraft | None, now: datetime) -> Content:
    """'An unsent edit from today at 09:03 — e to resume'; empty without one."""
    if draft is None or not draft.changed:
        return Content("")
    when = draft_time(draft)
    said = f"from {local_time(when, now)}" if when else "kept here"
    return Content.styled(f"✎ An unsent edit of yours {said} — e to resume", "bold")


def source_line(ref: SourceRef) -> Content:
    """'#12 story · Title — Ada'; an anonymous author is named as nobody."""
    by = (one_line(ref.author.display_name) if ref.author
          else Content.styled("anonymous", "italic"))
    return Content.assemble(Content.styled(f"#{ref.id} ", "bold"),
                            Content.styled(f"{plain(ref.kind)} · ", "dim"),
                            one_line(ref.title), Content.styled(" — ", "dim"), by)


def cited_line(submission_id: int) -> Content:
    """A submission the text cites that is not among the sources (yet)."""
    return Content.assemble(Content.styled(f"#{submission_id} ", "bold"),
                            Content.styled("cited in the text", "dim italic"))


def pledges(entry: GuideEntry, me: int | None) -> Content:
    """Who pledged to test it, with their notes; the viewer's own marked."""
    if not entry.pledges:
        return Content.styled("Nobody has pledged to test this yet: press p.", "dim")
    lines = [Content.styled(f"Pledged to test it ({len(entry.pledges)})", "bold")]
    for pledge in entry.pledges:
        mine = pledge.user.id == me
        note = (Content.assemble(": ", one_line(pledge.note)) if pledge.note.strip()
                else Content(""))
        lines.append(Content.assemble(
            Content.styled("★ " if mine else "• ", "bold" if mine else "dim"),
            one_line(pledge.user.display_name, "bold" if mine else ""),
            Content.styled(" (you)", "bold") if mine else "", note))
    return Content("\n").join(lines)


def comment_line(comment: EntryComment, now: datetime) -> Content:
    """Its author and age (and, for its author, why it waits), then the text."""
    who = (one_line(comment.author.display_name, "bold") if comment.author
           else Content.styled("Someone", "bold italic"))
    held: list[Content | str] = []
    if comment.status != "published":
        held = [Content.styled(f" · {comment.status}", "bold")]
        if comment.status_reason:
            held += ["\n", one_line(comment.status_reason, "italic")]
    return Content.assemble(who, Content.styled(f" · {ago(comment.created_at, now)}", "dim"),
                            *held, "\n", safe(comment.body))
