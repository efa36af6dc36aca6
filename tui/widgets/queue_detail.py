"""A queued item in full, for a moderator: the text with suspected personal data
highlighted, its flags, its author (even when anonymous) and their record, likely
duplicates, and the latest decision.

Everything here is untrusted text made into ``Content`` piece by piece: never
markup, escape sequences stripped (``tui.text.plain``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.content import Content

from client.models import PersonalDataFinding, QueueItem
from tui.text import ago, one_line, plain, plural

PERSONAL = "bold reverse"  # suspected personal data: visible in 16 colours too
DIM = "dim"
KIND_NAMES = {"nhs_number": "NHS number", "phone": "phone number", "email": "email address",
              "date_of_birth": "date of birth"}
FLAG_NAMES = {"personal_data": "personal data", "off_topic": "off topic"}


def highlighted(text: str, findings: Sequence[PersonalDataFinding], style: str = "",
                *, fold: bool = False) -> Content:
    """``text`` with each finding's span (code points into ``text``) in ``PERSONAL``.

    The text is cut at the spans first and each piece cleaned on its own, so the
    spans stay where the server said even when cleaning shortens a piece.
    ``fold``: whitespace runs become one space (a title on one line).
    """
    parts: list[tuple[str, str]] = []
    at = 0
    for finding in sorted(findings, key=lambda f: f.start):
        start, end = max(finding.start, at), min(finding.end, len(text))
        if start >= end:
            continue
        parts.append((text[at:start], style))
        parts.append((text[start:end], f"{style} {PERSONAL}".strip()))
        at = end
    parts.append((text[at:], style))
    pieces: list[Content] = []
    for piece, piece_style in parts:
        cleaned = _folded(plain(piece)) if fold else plain(piece)
        if cleaned:
            pieces.append(Content.styled(cleaned, piece_style) if piece_style
                          else Content(cleaned))
    return Content.assemble(*pieces) if pieces else Content("")


def _folded(text: str) -> str:
    """Whitespace runs as one space, keeping a space at either end (pieces join up)."""
    words = " ".join(text.split())
    if not words:
        return " " if text else ""
    return (" " if text[:1].isspace() else "") + words + (" " if text[-1:].isspace() else "")


def _for(item: QueueItem, field: str) -> list[PersonalDataFinding]:
    return [f for f in item.personal_data if f.field == field]


def what(item: QueueItem) -> str:
    if item.type == "comment":
        reply = "reply" if item.parent_id else "comment"
        return f"{reply} #{item.id} on {item.kind} #{item.submission_id}"
    if item.type == "entry":
        return f"guide entry #{item.id} (from {item.kind} #{item.submission_id})"
    if item.type == "entry_comment":
        return f"comment #{item.id} on a guide entry"
    return f"{item.kind} #{item.id}"


def render_item(item: QueueItem, now: datetime, note: str | None = None) -> Content:
    """The whole detail pane as one Content (one update, one layout)."""
    lines: list[Content] = []
    if note:
        lines.append(Content.styled("Came back: ", "bold $error") + one_line(note, "$error"))
        lines.append(Content(""))
    if item.type in ("submission", "entry"):
        lines.append(highlighted(item.title or "", _for(item, "title"), "bold", fold=True))
    else:
        lines.append(Content.styled("Comment on the guide entry: " if item.type ==
                                    "entry_comment" else "Comment on: ", DIM)
                     + one_line(item.submission_title, "bold"))
    queued = " and ".join(item.queued_for)
    lines.append(Content.styled(
        f"{what(item)} · {one_line(item.challenge).plain} · {ago(item.created_at, now)} · "
        f"{item.status} · queued: {queued}", DIM))
    if item.themes:
        lines.append(Content.styled("Themes: ", DIM) + one_line(", ".join(item.themes)))
    if item.status_reason:
        lines.append(Content.styled("Why: ", DIM) + one_line(item.status_reason))
    lines.append(Content(""))
    lines.append(highlighted(item.body, _for(item, "body")))
    lines.append(Content(""))

    if item.personal_data:
        found = ", ".join(f"{KIND_NAMES.get(f.kind, f.kind)} “{one_line(f.text).plain}”"
                          f" ({f.field})" for f in item.personal_data)
        lines.append(Content.styled("Suspected personal data: ", "bold") + Content(found))
    if item.flags:
        reasons = ", ".join(f"{FLAG_NAMES.get(r, r)} {n}" for r, n in
                            sorted(item.flag_reasons.items()))
        people = "1 person" if item.flag_count == 1 else f"{item.flag_count} people"
        lines.append(Content.styled(f"Flags from {people}: ", "bold") + Content(reasons))
        for flag in item.flags:
            line = Content.assemble(
                Content(f"  {FLAG_NAMES.get(flag.reason, flag.reason)} · "),
                one_line(flag.reporter.display_name),
                Content.styled(f" · {ago(flag.created_at, now)}", DIM))
            if flag.note.strip():
                line = line + Content(": ") + one_line(flag.note)
            lines.append(line)
    elif "flagged" not in item.queued_for:
        lines.append(Content.styled("No flags.", DIM))
    lines.append(Content(""))

    author = item.author
    who = Content.assemble(Content.styled("Author: ", "bold"), one_line(author.display_name),
                           Content(" <"), one_line(author.email), Content(">"),
                           Content.styled(f" · {author.role}", DIM))
    if item.anonymous:
        who = who + Content.styled(" · anonymous to others", "italic")
    if author.blocked:
        who = who + Content.styled(" · blocked", "bold $error")
    lines.append(who)
    record = item.author_record
    lines.append(Content.styled(
        f"  Record: {plural(record.submissions, 'submission')}, "
        f"{plural(record.comments, 'comment')}, {plural(record.rejections, 'rejection')}",
        DIM))
    for entry in record.recent_rejections:
        line = Content.assemble(Content.styled(f"  rejected {ago(entry.at, now)}: ", DIM),
                                one_line(entry.excerpt))
        if entry.status_reason:
            line = line + Content.styled(" — ", DIM) + one_line(entry.status_reason)
        lines.append(line)

    if item.duplicates:
        lines.append(Content(""))
        lines.append(Content.styled("Likely duplicates (m merges into one):", "bold"))
        for number, dupe in enumerate(item.duplicates, 1):
            lines.append(Content.assemble(
                Content(f"  {number}  "), Content.styled(f"{dupe.score:.2f}", "bold"),
                Content("  "), one_line(dupe.title),
                Content.styled(f"  {dupe.type} #{dupe.id} · {dupe.status}", DIM)))
    if item.last_action is not None:
        last = item.last_action
        lines.append(Content(""))
        lines.append(Content.assemble(
            Content.styled("Latest decision: ", DIM),
            Content(f"{last.action} by "), one_line(last.moderator.display_name),
            Content.styled(f" · {ago(last.created_at, now)} (action {last.id})", DIM)))
    return Content("\n").join(lines)
