"""Likely duplicates of a queued item, for a moderator deciding whether to merge.

Two steps, both cheap:

1. **Candidates.** For a submission, the full-text index (FTS5 on SQLite, ``tsvector``
   on PostgreSQL, title column or title weight only) finds the :data:`CANDIDATES`
   newest pending or published submissions of the same challenge whose title shares
   *any* word with the item's title (at most :data:`QUERY_WORDS` of them, common
   English words left out). Newest first, not ranked by the database: ranking every
   match (bm25, ``ts_rank``) cost 13 ms per item on a 5,000-submission challenge,
   newest-first stops early (2 ms). For a comment, the candidates are the
   :data:`RECENT_COMMENTS` newest comments of the same challenge (repeated spam is the
   usual case).
2. **Score.** Each candidate is scored in Python with the Jaccard index of word sets
   (lower-cased words of three letters or more, common English words dropped, a
   trailing plural ``s`` removed): half the Jaccard index of the titles plus half that
   of title and body together, in 0..1. For comments, the Jaccard index of the bodies.
   Candidates scoring at least :data:`MIN_SCORE` are kept, best first, at most
   :data:`LIMIT`.

Word sets ignore order and repetition, so "Daily huddles on the ward" and "Ward
huddles, daily" score 1 for their titles; a few shared common words score low. A
duplicate whose title shares no word with the item's is not found: the moderator can
still search for it.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import DuplicateCandidate
from server.tables import CommentRow, SubmissionRow

LIMIT = 3
MIN_SCORE = 0.2
CANDIDATES = 50
QUERY_WORDS = 10
RECENT_COMMENTS = 200
EXCERPT = 80
MERGEABLE = ("pending", "published")

_WORD = re.compile(r"[^\W_]+")
_LONG_WORD = re.compile(r"[^\W_]{3,}")
STOP_WORDS = frozenset({
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has",
    "have", "how", "if", "in", "into", "is", "it", "its", "just", "more", "most", "not", "now",
    "of", "on", "one", "only", "or", "other", "our", "out", "over", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "too", "up", "very", "was", "we", "were", "what", "when", "where", "which", "who", "why",
    "will", "with", "would", "you", "your",
})


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word[-1] == "s" and word[-2] != "s" else word


def words(text: str) -> frozenset[str]:
    """The word set two texts are compared by."""
    distinct = set(_LONG_WORD.findall(text.lower())) - STOP_WORDS
    return frozenset(_singular(w) for w in distinct if not w.isdigit())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def similarity(title_a: str, body_a: str, title_b: str, body_b: str) -> float:
    return score(text_words(title_a, body_a), text_words(title_b, body_b))


Words = tuple[frozenset[str], frozenset[str]]  # the title's, and title and body together


def text_words(title: str, body: str) -> Words:
    heading = words(title)
    return heading, heading | words(body)


def score(a: Words, b: Words) -> float:
    return round((jaccard(a[0], b[0]) + jaccard(a[1], b[1])) / 2, 3)


class Scorer:
    """Word sets for one page of the queue: each text is split into words once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int], Words] = {}

    def words(self, kind: str, ident: int, title: str, body: str) -> Words:
        key = (kind, ident)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = text_words(title, body)
        return found


def query_words(title: str) -> list[str]:
    """The title words a full-text search for candidates looks for (any of them)."""
    chosen = [w for w in _WORD.findall(title.lower()) if len(w) > 2 and w not in STOP_WORDS
              and not w.isdigit()]
    return list(dict.fromkeys(chosen))[:QUERY_WORDS]


def excerpt(body: str, length: int = EXCERPT) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= length else flat[:length - 1] + "…"


async def _candidate_ids(session: AsyncSession, row: SubmissionRow) -> list[int]:
    terms = query_words(row.title)
    if not terms:
        return []
    params = {"challenge": row.challenge_id, "me": row.id, "n": CANDIDATES}
    if session.get_bind().dialect.name == "postgresql":
        # Weight A is the title (see migration 0001).
        query = text(
            "SELECT id FROM submissions WHERE challenge_id = :challenge AND id != :me "
            "AND status IN ('pending', 'published') "
            "AND search_vector @@ to_tsquery('english', :q) "
            "ORDER BY id DESC LIMIT :n").bindparams(
            bindparam("q", " | ".join(f"{t}:A" for t in terms)))
    else:
        query = text(
            "SELECT s.id FROM submissions_fts JOIN submissions s "
            "ON s.id = submissions_fts.rowid WHERE submissions_fts MATCH :q "
            "AND s.challenge_id = :challenge AND s.id != :me "
            "AND s.status IN ('pending', 'published') "
            "ORDER BY s.id DESC LIMIT :n").bindparams(
            bindparam("q", "title : (" + " OR ".join(f'"{t}"' for t in terms) + ")"))
    return [int(i) for i in (await session.execute(query, params)).scalars()]


async def submission_duplicates(session: AsyncSession, row: SubmissionRow,
                                scorer: Scorer) -> list[DuplicateCandidate]:
    ids = await _candidate_ids(session, row)
    if not ids:
        return []
    found = (await session.execute(
        select(SubmissionRow.id, SubmissionRow.title, SubmissionRow.body,
               SubmissionRow.status).where(SubmissionRow.id.in_(ids)))).all()
    mine = scorer.words("submission", row.id, row.title, row.body)
    scored = [DuplicateCandidate(
        type="submission", id=sid, submission_id=sid, title=title, status=status,
        score=score(mine, scorer.words("submission", sid, title, body)))
        for sid, title, body, status in found]
    return _best(scored)


async def comment_duplicates(session: AsyncSession, row: CommentRow, challenge_id: int,
                             scorer: Scorer) -> list[DuplicateCandidate]:
    found = (await session.execute(
        select(CommentRow.id, CommentRow.submission_id, CommentRow.body, CommentRow.status)
        .join(SubmissionRow, SubmissionRow.id == CommentRow.submission_id)
        .where(SubmissionRow.challenge_id == challenge_id, CommentRow.id != row.id,
               CommentRow.status.in_(MERGEABLE))
        .order_by(CommentRow.id.desc()).limit(RECENT_COMMENTS))).all()
    mine = scorer.words("comment", row.id, "", row.body)[1]
    scored = [DuplicateCandidate(
        type="comment", id=cid, submission_id=sid, title=excerpt(body), status=status,
        score=round(jaccard(mine, scorer.words("comment", cid, "", body)[1]), 3))
        for cid, sid, body, status in found]
    return _best(scored)


def _best(scored: list[DuplicateCandidate]) -> list[DuplicateCandidate]:
    kept = [c for c in scored if c.score >= MIN_SCORE]
    kept.sort(key=lambda c: (-c.score, -c.id))
    return kept[:LIMIT]
