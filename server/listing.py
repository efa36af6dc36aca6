"""The page query of ``GET /challenges/{slug}/submissions``, built once per shape.

A page is one statement: the submissions, their authors' names, their themes and
the viewer's vote. Building that statement in SQLAlchemy cost more CPU than the
database spent running it, so each shape (sort, which filters, how a search is
applied, whether there is a cursor or a viewer) is built once with bound
parameters and reused; SQLAlchemy then also reuses its cache key and compiled form.
A page kept for every viewer (server/pages.py) is read without a viewer, and their
votes are looked up apart (server/viewer_votes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)

from client.models import Sort
from server import search
from server.ranking import SHUFFLE_PRIME
from server.search import fts5_rowid, join_fts5_unbound
from server.tables import SubmissionRow, SubmissionThemeRow, UserRow, VoteRow

S = SubmissionRow
C = SubmissionRow.__table__.c  # plain columns: what the order and the cursor compare
# Joins a submission's themes in one column; a control character, so never in a theme.
THEME_SEPARATOR = "\x1f"

#: How a search is applied: not at all, ids looked up by key, FTS5 walked newest
#: first (SQLite), or a text match (search.Match).
SearchMode = Literal["", "few", "fts5-newest", "fts5", "pg-word", "pg-words"]


@dataclass(frozen=True)
class Shape:
    sort: Sort
    kind: bool
    theme: bool
    search: SearchMode
    cursor: bool
    viewer: bool
    mine: bool = False  # the viewer's own, in every status
    # PostgreSQL: look for matches only among the first ``walk_rows`` of the order
    # (after the cursor); see ``WALK_ROWS``.
    walk: bool = False


#: What a cursor of each sort must decode to: the types of its keyset.
CURSOR_TYPES: dict[Sort, tuple[type, ...]] = {
    "top": (float, int), "discussed": (int, int), "random": (int,), "new": (int,),
    "pairwise": (float, int), "bridging": (float, int)}

#: A PostgreSQL search first looks among this many submissions, in the page's order
#: from its cursor, and stops at a page of matches. Walking an index and testing each
#: row's ``tsvector`` costs about 0.3-1.6 ms for 1,000 rows, and a page is there for
#: any search matching one submission in fifty; at 50,000 submissions that is 97% of
#: two-word searches among the 80 commonest words. Rarer searches fall back to the
#: text index, where a common word would have cost a sort of every match.
WALK_ROWS = 2000


def _keyset(sort: Sort, c: Any) -> tuple[list[ColumnElement[Any]], bool]:
    """What the order and the cursor compare (columns of ``c``), and whether descending."""
    if sort == "top":
        return [c.score, c.id], True
    if sort == "pairwise":
        return [c.pairwise_score, c.id], True
    if sort == "discussed":
        return [c.comments, c.id], True
    # bridging: the order is server.bridging_list's; a query only picks, of a stretch of
    # it (``bridging_ids``), the submissions that pass the filters.
    if sort == "random":
        # ranking.shuffle_key in SQL, in 64-bit arithmetic (PostgreSQL's integer is 32).
        p = literal(SHUFFLE_PRIME, BigInteger)
        x = (cast(c.id, BigInteger) * bindparam("shuffle_a", type_=BigInteger)
             + bindparam("shuffle_b", type_=BigInteger)) % p
        x2 = x * x % p
        key = x2 * x2 % p * x % p
        return [key], False
    return [c.id], True


def _filtered(query: Select[Any], shape: Shape, c: Any) -> Select[Any]:
    """The challenge, status, kind and theme conditions of ``shape`` on columns ``c``."""
    query = query.where(c.challenge_id == bindparam("challenge_id"))
    if shape.mine:
        query = query.where(c.author_id == bindparam("viewer_id"))
    else:
        query = query.where(c.status == "published")
    if shape.sort == "bridging":
        query = query.where(c.id.in_(bindparam("bridging_ids", expanding=True)))
    if shape.kind:
        query = query.where(c.kind == bindparam("kind", type_=String))
    if shape.theme:
        query = query.where(exists().where(SubmissionThemeRow.submission_id == c.id,
                                           SubmissionThemeRow.theme == bindparam("theme")))
    return query


def _after(keyset: list[ColumnElement[Any]], descending: bool) -> ColumnElement[bool]:
    bound = tuple_(*[bindparam(f"after_{i}", type_=k.type) for i, k in enumerate(keyset)])
    return tuple_(*keyset) < bound if descending else tuple_(*keyset) > bound


def _order(keyset: list[ColumnElement[Any]], descending: bool) -> list[Any]:
    return [k.desc() if descending else k.asc() for k in keyset]


def _walk(shape: Shape) -> Any:
    """The first ``walk_rows`` submissions of the order after the cursor, as a table
    named ``submissions`` (so the text match's ``submissions.search_vector`` reads it)."""
    keyset, descending = _keyset(shape.sort, C)
    inner = _filtered(select(S.__table__, literal_column("submissions.search_vector")),
                      shape, C)
    if shape.cursor:
        inner = inner.where(_after(keyset, descending))
    return (inner.order_by(*_order(keyset, descending)).limit(bindparam("walk_rows"))
            .subquery("submissions"))


@lru_cache(maxsize=512)
def plan(shape: Shape) -> Select[Any]:
    source = _walk(shape) if shape.walk else S.__table__
    c = source.c
    keyset, descending = _keyset(shape.sort, c)
    themes = (select(func.aggregate_strings(SubmissionThemeRow.theme, THEME_SEPARATOR))
              .where(SubmissionThemeRow.submission_id == c.id).scalar_subquery())
    my_vote: Any = literal(None, Integer)
    if shape.viewer:
        my_vote = (select(VoteRow.value).where(VoteRow.submission_id == c.id,
                                               VoteRow.user_id == bindparam("viewer_id"))
                   .scalar_subquery())
    columns = [c[column.name] for column in S.__table__.c]
    # Plain rows, not ORM objects: nothing here is changed or lazily loaded.
    query = (select(*columns, UserRow.display_name.label("author_name"),
                    themes.label("theme_names"), my_vote.label("my_vote"),
                    *([keyset[0].label("shuffle_key")] if shape.sort == "random" else []))
             .select_from(source).join(UserRow, UserRow.id == c.author_id))
    if not shape.walk:  # the walk applied these (and the cursor) already
        query = _filtered(query, shape, c)
    if shape.search == "fts5-newest":
        query = join_fts5_unbound(query)
        keyset = [fts5_rowid()]
    elif shape.search == "few":
        query = query.where(c.id.in_(bindparam("few", expanding=True)))
    elif shape.search:
        query = query.where(search.clause(shape.search, walks=shape.sort != "random"))
    if shape.cursor and not shape.walk:
        query = query.where(_after(keyset, descending))
    return query.order_by(*_order(keyset, descending)).limit(bindparam("page_limit"))


def cursor_values(sort: Sort, row: Any) -> list[Any]:
    """What a row's position in ``sort`` is, for the next page's cursor."""
    if sort == "top":
        return [row.score, row.id]
    if sort == "pairwise":
        return [row.pairwise_score, row.id]
    if sort == "discussed":
        return [row.comments, row.id]
    if sort == "random":
        return [row.shuffle_key]
    return [row.id]
