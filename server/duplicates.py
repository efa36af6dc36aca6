"""Likely duplicates of a queued item, for a moderator deciding whether to merge.

Two steps, both cheap:

1. **Candidates.** For a submission, the full-text index (FTS5 on SQLite, ``tsvector``
   on PostgreSQL) finds up to :data:`CANDIDATES` pending or published submissions of
   the same challenge sharing *any* of the item's key words (its title words and the
   most frequent words of its body, at most :data:`QUERY_WORDS`), best-ranked first
   (bm25 / ``ts_rank``). For a comment, the candidates are the :data:`RECENT_COMMENTS`
   most recent comments of the same challenge (repeated spam is the usual case).
2. **Score.** Each candidate is scored in Python with the Jaccard index of word sets
   (lower-cased words of three letters or more, common English words dropped, a
   trailing plural ``s`` removed): half the Jaccard index of the titles plus half that
   of title and body together, in 0..1. For comments, the Jaccard index of the bodies.
   Candidates scoring at least :data:`MIN_SCORE` are kept, best first, at most
   :data:`LIMIT`.

Word sets ignore order and repetition, so "Daily huddles on the ward" and "Ward
huddles, daily" score 1 for their titles; a few shared common words score low.
"""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import DuplicateCandidate
from server.tables import CommentRow, SubmissionRow

LIMIT = 3
MIN_SCORE = 0.2
CANDIDATES = 20
QUERY_WORDS = 12
RECENT_COMMENTS = 200
EXCERPT = 80
MERGEABLE = ("pending", "published")

_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset({
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has",
    "have", "how", "if", "in", "into", "is", "it", "its", "just", "more", "most", "not", "now",
    "of", "on", "one", "only", "or", "other", "our", "out", "over", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "too", "up", "very", "was", "we", "were", "what", "when", "where", "which", "who", "why",
    "will", "with", "would", "you", "your",
})


def words(text: str) -> frozenset[str]:
    """The word set two texts are compared by."""
    found = set()
    for word in _WORD.findall(text.lower()):
        if len(word) < 3 or word in STOP_WORDS or word.isdigit():
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.add(word)
    return frozenset(found)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def similarity(title_a: str, body_a: str, title_b: str, body_b: str) -> float:
    titles = jaccard(words(title_a), words(title_b))
    whole = jaccard(words(f"{title_a} {body_a}"), words(f"{title_b} {body_b}"))
    return round((titles + whole) / 2, 3)


def query_words(title: str, body: str) -> list[str]:
    """The words a full-text search for candidates looks for (any of them)."""
    chosen = [w for w in _WORD.findall(title.lower()) if len(w) > 2 and w not in STOP_WORDS
              and not w.isdigit()]
    counts = Counter(w for w in _WORD.findall(body.lower())
                     if len(w) > 3 and w not in STOP_WORDS and not w.isdigit())
    chosen += [w for w, _ in counts.most_common(QUERY_WORDS)]
    return list(dict.fromkeys(chosen))[:QUERY_WORDS]


def excerpt(body: str, length: int = EXCERPT) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= length else flat[:length - 1] + "…"


async def _candidate_ids(session: AsyncSession, row: SubmissionRow) -> list[int]:
    terms = query_words(row.title, row.body)
    if not terms:
        return []
    params = {"challenge": row.challenge_id, "me": row.id}
    if session.get_bind().dialect.name == "postgresql":
        query = text(
            "SELECT id FROM submissions WHERE challenge_id = :challenge AND id != :me "
            "AND status IN ('pending', 'published') "
            "AND search_vector @@ to_tsquery('english', :q) "
            "ORDER BY ts_rank(search_vector, to_tsquery('english', :q)) DESC, id DESC "
            "LIMIT :n").bindparams(bindparam("q", " | ".join(terms)),
                                   bindparam("n", CANDIDATES))
    else:
        query = text(
            "SELECT s.id FROM submissions_fts JOIN submissions s "
            "ON s.id = submissions_fts.rowid WHERE submissions_fts MATCH :q "
            "AND s.challenge_id = :challenge AND s.id != :me "
            "AND s.status IN ('pending', 'published') "
            "ORDER BY submissions_fts.rank, s.id DESC LIMIT :n").bindparams(
            bindparam("q", " OR ".join(f'"{t}"' for t in terms)),
            bindparam("n", CANDIDATES))
    return [int(i) for i in (await session.execute(query, params)).scalars()]


async def submission_duplicates(session: AsyncSession,
                                row: SubmissionRow) -> list[DuplicateCandidate]:
    ids = await _candidate_ids(session, row)
    if not ids:
        return []
    found = (await session.execute(
        select(SubmissionRow.id, SubmissionRow.title, SubmissionRow.body,
               SubmissionRow.status).where(SubmissionRow.id.in_(ids)))).all()
    scored = [DuplicateCandidate(type="submission", id=sid, submission_id=sid, title=title,
                                 status=status,
                                 score=similarity(row.title, row.body, title, body))
              for sid, title, body, status in found]
    return _best(scored)


async def comment_duplicates(session: AsyncSession, row: CommentRow,
                             challenge_id: int) -> list[DuplicateCandidate]:
    found = (await session.execute(
        select(CommentRow.id, CommentRow.submission_id, CommentRow.body, CommentRow.status)
        .join(SubmissionRow, SubmissionRow.id == CommentRow.submission_id)
        .where(SubmissionRow.challenge_id == challenge_id, CommentRow.id != row.id,
               CommentRow.status.in_(MERGEABLE))
        .order_by(CommentRow.id.desc()).limit(RECENT_COMMENTS))).all()
    mine = words(row.body)
    scored = [DuplicateCandidate(type="comment", id=cid, submission_id=sid,
                                 title=excerpt(body), status=status,
                                 score=round(jaccard(mine, words(body)), 3))
              for cid, sid, body, status in found]
    return _best(scored)


def _best(scored: list[DuplicateCandidate]) -> list[DuplicateCandidate]:
    kept = [c for c in scored if c.score >= MIN_SCORE]
    kept.sort(key=lambda c: (-c.score, -c.id))
    return kept[:LIMIT]
