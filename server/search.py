"""Full-text search: SQLite FTS5 or PostgreSQL ``tsvector`` with ``websearch_to_tsquery``."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    TextClause,
    column,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.tables import SubmissionRow

_WORD = re.compile(r"\w+", re.UNICODE)


def fts5_query(q: str) -> str | None:
    """User words as FTS5 phrases, all required, the last one as a prefix.

    Quoting every word keeps FTS5 operators and punctuation in the user's text
    from being parsed as query syntax. None when there is no word to look for.
    """
    words = _WORD.findall(q)[:20]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"  # people type searches word by word
    return " ".join(quoted)


def postgres_query(q: str) -> tuple[str, str]:
    """``websearch_to_tsquery`` syntax for all but the last word, which matches as a prefix.

    People type searches word by word, so "physio" should find "physiotherapy"
    (as FTS5's prefix query does on SQLite); quoted phrases and ``-word`` still work.
    """
    words = list(_WORD.finditer(q))
    if not words:
        return q, ""
    last = words[-1]
    return q[:last.start()], f"{last.group()}:*"


# SQLite's FTS5 index (made by the first migration), as far as a join needs it.
_fts5 = table("submissions_fts", column("rowid", Integer))


#: How a search matches: SQLite's FTS5, or PostgreSQL with one word or several.
Match = Literal["fts5", "pg-word", "pg-words"]

_FTS5_MATCH = text("submissions_fts MATCH :fts")
# The unary plus keeps SQLite from looking submissions up by these ids: it walks the
# page's sort index instead, testing each row against the matches (collected once),
# and stops at a page. Looking up every match and sorting them cost 32 ms for a word
# in a third of 50,000 submissions, sorted by score; walking, 1.6 ms.
_FTS5_ROWIDS = "(SELECT rowid FROM submissions_fts WHERE submissions_fts MATCH :fts)"
_FTS5_IN = text("+submissions.id IN " + _FTS5_ROWIDS)
_FTS5_LOOKUP = text("submissions.id IN " + _FTS5_ROWIDS)
_PG_MATCH: dict[Match, TextClause] = {
    "pg-word": text("submissions.search_vector @@ to_tsquery('english', :tail)"),
    "pg-words": text("submissions.search_vector @@ (websearch_to_tsquery('english', :head) "
                     "&& to_tsquery('english', :tail))"),
}


def fts5_rowid() -> ColumnElement[int]:
    return _fts5.c.rowid


def join_fts5_unbound(query: Select[Any]) -> Select[Any]:
    """Newest first on SQLite: let FTS5 hand over matches in rowid order and stop at a
    page, instead of listing every match first (2.9 -> 0.6 ms for a word in a third
    of 50,000 submissions). Order and page by ``fts5_rowid()``; bind ``fts`` to an
    ``fts5_query``."""
    return query.join(_fts5, _fts5.c.rowid == SubmissionRow.id).where(_FTS5_MATCH)


def prepare(dialect: str, q: str) -> tuple[Match, dict[str, str]] | None:
    """How to match ``q`` on this database and the values to bind; None when ``q`` has
    no word to look for."""
    if dialect == "postgresql":
        head, tail = postgres_query(q)
        if not tail:
            return None
        if not head.strip():  # one word: no empty websearch query (PostgreSQL NOTICEs it)
            return "pg-word", {"tail": tail}
        return "pg-words", {"head": head, "tail": tail}
    fts = fts5_query(q)
    return None if fts is None else ("fts5", {"fts": fts})


def clause(match: Match, *, walks: bool = True) -> ColumnElement[bool] | TextClause:
    """The condition on ``submissions`` for ``match``, its values left to bind.
    ``walks``: whether the page's order is an index that stops at a page (not
    ``random``, which sorts every row, and is better off looking the matches up)."""
    if match == "fts5":
        return _FTS5_IN if walks else _FTS5_LOOKUP
    return _PG_MATCH[match]


# PostgreSQL's estimate of the matches, and of all rows, planned and not run (0.15 ms).
# The condition is one of the constant clauses above; user text is only ever bound.
_ESTIMATE = {match: text("EXPLAIN (FORMAT JSON) SELECT 1 FROM submissions WHERE "  # noqa: S608
                         f"{condition.text} UNION ALL SELECT 1 FROM submissions")
             for match, condition in _PG_MATCH.items()}


async def estimated_share(session: AsyncSession, match: Match, values: dict[str, str]) -> float:
    """PostgreSQL's guess of the share of all submissions matching: within a fifth or so
    at 50,000 (157 for 175, 839 for 966, 42,688 for 43,008). It takes words as
    independent, so it under-guesses words that go together; a guess too low only
    skips a walk that would have been quick."""
    found = (await session.execute(_ESTIMATE[match], values)).scalar_one()
    return share_of(json.loads(found) if isinstance(found, str) else found)


def share_of(explained: Any) -> float:
    """The share from ``_ESTIMATE``'s plan; 0 (which only skips a walk) for a plan of
    another shape than the expected two-part Append."""
    try:
        matching, every = (float(part["Plan Rows"]) for part in explained[0]["Plan"]["Plans"])
    except (KeyError, IndexError, TypeError, ValueError):
        return 0.0
    return matching / max(every, 1.0)


#: Up to this many matches, a search looks its submissions up by key.
FEW = 200


async def few_matches(session: AsyncSession, match: Match,
                      values: dict[str, str]) -> list[int] | None:
    """Every submission id matching if there are at most ``FEW``, else None.

    A rare word is best found through the text index and its few rows sorted; a
    common one by walking the sort order and stopping at a page. Each database
    guesses which it has, and PostgreSQL guessed wrong for a rare word at 50,000
    submissions (7,500 rows read for 21: 6.7 ms instead of 0.6). Asking costs one
    indexed statement that stops after ``FEW + 1`` rows.
    """
    found = (select(_fts5.c.rowid).where(_FTS5_MATCH) if match == "fts5"
             else select(SubmissionRow.id).where(clause(match)))
    ids = list((await session.execute(found.limit(FEW + 1), values)).scalars())
    return ids if len(ids) <= FEW else None
