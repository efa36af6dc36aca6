"""Full-text search: SQLite FTS5 or PostgreSQL ``tsvector`` with ``websearch_to_tsquery``."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, TextClause, bindparam, false, literal_column, select, text
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


def matches(session: AsyncSession, q: str) -> ColumnElement[bool] | TextClause:
    if session.get_bind().dialect.name == "postgresql":
        head, tail = postgres_query(q)
        if not tail:
            return false()
        if not head.strip():  # one word: no empty websearch query (PostgreSQL NOTICEs it)
            return text("submissions.search_vector @@ to_tsquery('english', :tail)"
                        ).bindparams(bindparam("tail", tail))
        return text("submissions.search_vector @@ (websearch_to_tsquery('english', :head) "
                    "&& to_tsquery('english', :tail))").bindparams(
            bindparam("head", head), bindparam("tail", tail))
    query = fts5_query(q)
    if query is None:
        return false()
    return SubmissionRow.id.in_(
        select(literal_column("rowid")).select_from(text("submissions_fts"))
        .where(text("submissions_fts MATCH :fts").bindparams(bindparam("fts", query))))
