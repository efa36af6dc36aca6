"""A challenge's submissions and comments for moderators: CSV, JSON Lines, Markdown.

* ``csv``: one row per submission, each followed by rows for its comments (``type``
  says which). Text cells that a spreadsheet would run as a formula (starting with
  ``= + - @``, tab or carriage return) get a leading ``'``.
* ``jsonl``: one JSON object per submission per line, its comments nested.
* ``markdown``: the skeleton of a guide: per theme of the challenge (and then the
  published submissions with no theme), the top published submissions by their
  stored score (the Wilson lower bound used by ``sort=top``), each with links back
  to what is behind it: the submission itself, its comments, and the submissions
  merged into it. Links are relative API paths (``/api/v1/submissions/12``, and
  ``/api/v1/submissions/12/comments`` for the thread), so they resolve against
  whichever server the guide came from; each also reads ``submission #12`` or
  ``comment #34`` for someone reading plain text. User text never becomes markup:
  titles, names and excerpts have every character Markdown reads as markup
  backslash-escaped and newlines flattened, and bodies sit in code fences longer
  than any run of backticks inside them.

While the current phase hides counts, nobody sees them, moderators included: CSV and
JSON Lines leave ``up``, ``down`` and ``score`` empty (null), and the Markdown guide,
ordered by score, is refused by its route.

CSV and JSON Lines stream in batches of :data:`BATCH` submissions, so an export of a
national challenge does not sit in memory.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.duplicates import excerpt
from server.queries import themes_of
from server.tables import (
    ChallengeRow,
    CommentRow,
    ModerationActionRow,
    ModerationTargetRow,
    SubmissionRow,
    SubmissionThemeRow,
    UserRow,
)

BATCH = 200
API = "/api/v1"
COLUMNS = ["type", "id", "submission_id", "parent_id", "kind", "status", "status_reason",
           "title", "body", "themes", "author_id", "author", "anonymous", "up", "down",
           "score", "comments", "created_at", "updated_at"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# What Markdown (CommonMark and GitHub's tables and strikethrough) can read as markup
# mid-line; other punctuation stays as typed, so a guide's editor reads "we're", not
# "we\'re". Brackets escaped means parentheses can never complete a link.
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>!&#|~])")


def _when(value: datetime) -> str:
    return value.isoformat()


async def _batches(db: Database, challenge_id: int) -> AsyncIterator[
        list[tuple[SubmissionRow, list[str], UserRow, list[tuple[CommentRow, UserRow]]]]]:
    """Submissions in id order with their themes, authors and comments, a batch at a time."""
    last = 0
    while True:
        async with db.read_heavy() as session:
            rows = (await session.execute(
                select(SubmissionRow, UserRow).join(UserRow,
                                                    UserRow.id == SubmissionRow.author_id)
                .where(SubmissionRow.challenge_id == challenge_id, SubmissionRow.id > last)
                .order_by(SubmissionRow.id).limit(BATCH))).all()
            if not rows:
                return
            ids = [s.id for s, _ in rows]
            themes = await themes_of(session, ids)
            comments: dict[int, list[tuple[CommentRow, UserRow]]] = {i: [] for i in ids}
            for comment, author in (await session.execute(
                    select(CommentRow, UserRow).join(UserRow,
                                                     UserRow.id == CommentRow.author_id)
                    .where(CommentRow.submission_id.in_(ids))
                    .order_by(CommentRow.submission_id, CommentRow.id))):
                comments[comment.submission_id].append((comment, author))
        yield [(s, themes[s.id], a, comments[s.id]) for s, a in rows]
        last = ids[-1]


def _submission(s: SubmissionRow, themes: list[str], author: UserRow,
                counts: bool) -> dict[str, Any]:
    return {"type": "submission", "id": s.id, "submission_id": s.id, "parent_id": None,
            "kind": s.kind, "status": s.status, "status_reason": s.status_reason,
            "title": s.title, "body": s.body, "themes": themes, "author_id": author.id,
            "author": author.display_name, "anonymous": s.anonymous,
            "up": s.up if counts else None, "down": s.down if counts else None,
            "score": s.score if counts else None, "comments": s.comments,
            "comments_locked": s.comments_locked,
            "created_at": _when(s.created_at), "updated_at": _when(s.updated_at)}


def _comment(c: CommentRow, author: UserRow) -> dict[str, Any]:
    return {"type": "comment", "id": c.id, "submission_id": c.submission_id,
            "parent_id": c.parent_id, "status": c.status, "status_reason": c.status_reason,
            "body": c.body, "author_id": author.id, "author": author.display_name,
            "created_at": _when(c.created_at), "updated_at": _when(c.updated_at)}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(value)
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA):
        return "'" + text
    return text


async def csv_lines(db: Database, challenge_id: int, counts: bool) -> AsyncIterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield out.getvalue()
    async for batch in _batches(db, challenge_id):
        out.seek(0)
        out.truncate()
        for s, themes, author, comments in batch:
            record = _submission(s, themes, author, counts)
            writer.writerow([_cell(record.get(c)) for c in COLUMNS])
            for comment, commenter in comments:
                record = _comment(comment, commenter)
                writer.writerow([_cell(record.get(c)) for c in COLUMNS])
        yield out.getvalue()


async def jsonl_lines(db: Database, challenge_id: int, counts: bool) -> AsyncIterator[str]:
    async for batch in _batches(db, challenge_id):
        yield "".join(
            json.dumps({**_submission(s, themes, author, counts),
                        "comments": [_comment(c, a) for c, a in comments]},
                       ensure_ascii=False) + "\n"
            for s, themes, author, comments in batch)


# --- markdown -----------------------------------------------------------------------


def md_text(text: str) -> str:
    """User text as literal Markdown inline text: one line, markup characters escaped."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def md_fence(text: str) -> str:
    """User text as a code block nothing inside can close."""
    runs = re.findall(r"`+", text)
    fence = "`" * max(3, 1 + max((len(r) for r in runs), default=0))
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _link(label: str, path: str) -> str:
    return f"[{label}]({API}{path})"


async def markdown(session: AsyncSession, challenge: ChallengeRow, top: int,
                   now: datetime) -> str:
    S, T = SubmissionRow, SubmissionThemeRow
    lines = [f"# {md_text(challenge.title)}: a guide in the making", "",
             f"Exported {now:%Y-%m-%d %H:%M} UTC from challenge {md_text(challenge.slug)}. "
             f"The top {top} published submissions per theme by score (the lower bound "
             "of the 95% Wilson interval of their share of support), each with links "
             "back to the submission, its comments and the submissions merged into it.",
             ""]
    sections: list[tuple[str, list[SubmissionRow]]] = []
    for theme in challenge.themes:
        rows = (await session.execute(
            select(S).join(T, T.submission_id == S.id)
            .where(S.challenge_id == challenge.id, S.status == "published", T.theme == theme)
            .order_by(S.score.desc(), S.id.desc()).limit(top))).scalars().all()
        sections.append((theme, list(rows)))
    unthemed = (await session.execute(
        select(S).where(S.challenge_id == challenge.id, S.status == "published",
                        ~select(T.submission_id).where(T.submission_id == S.id).exists())
        .order_by(S.score.desc(), S.id.desc()).limit(top))).scalars().all()
    if unthemed:
        sections.append(("", list(unthemed)))
    shown = sorted({s.id for _, rows in sections for s in rows})
    behind = await _behind(session, shown)
    for theme, rows in sections:
        lines += [f"## {md_text(theme) if theme else 'Without a theme'}", ""]
        if not rows:
            lines += ["No published submissions yet.", ""]
        for rank, s in enumerate(rows, 1):
            lines += _entry(rank, s, *behind.get(s.id, ([], [])))
    return "\n".join(lines).rstrip() + "\n"


def _entry(rank: int, s: SubmissionRow, comments: Sequence[tuple[CommentRow, UserRow | None]],
           merged: Sequence[int]) -> list[str]:
    lines = [f"### {rank}. {md_text(s.title)}", "",
             f"{s.kind.capitalize()}, score {s.score:.3f} ({s.up} for, {s.down} against), "
             f"{_link(f'submission #{s.id}', f'/submissions/{s.id}')}", "",
             md_fence(s.body), ""]
    if merged:
        lines.append("Merged into it: " + ", ".join(
            _link(f"submission #{m}", f"/submissions/{m}") for m in merged) + ".")
        lines.append("")
    if comments:
        lines.append("Behind it:")
        lines.append("")
        for c, author in comments:
            who = md_text(author.display_name) if author else "someone"
            lines.append(f"- {_link(f'comment #{c.id}', f'/submissions/{s.id}/comments')} "
                         f"by {who}: {md_text(excerpt(c.body, 200))}")
        lines.append("")
    return lines


async def _behind(session: AsyncSession, ids: list[int]) -> dict[
        int, tuple[list[tuple[CommentRow, UserRow | None]], list[int]]]:
    """Published comments and merged-in submissions of each shown submission."""
    found: dict[int, tuple[list[tuple[CommentRow, UserRow | None]], list[int]]] = {
        i: ([], []) for i in ids}
    if not ids:
        return found
    for comment, author in (await session.execute(
            select(CommentRow, UserRow).join(UserRow, UserRow.id == CommentRow.author_id)
            .where(CommentRow.submission_id.in_(ids), CommentRow.status == "published")
            .order_by(CommentRow.id))):
        found[comment.submission_id][0].append((comment, author))
    A, T = ModerationActionRow, ModerationTargetRow
    for into, source in await session.execute(
            select(A.merge_into, T.target_id).join(T, T.action_id == A.id)
            .where(A.action == "merge", A.undone_at.is_(None), A.merge_into.in_(ids),
                   T.role == "target")
            .order_by(T.target_id)):
        if into is not None:
            found[into][1].append(source)
    return found
