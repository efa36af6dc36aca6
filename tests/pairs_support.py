"""Helpers of the pairwise tests: a challenge whose open phase allows comparisons."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from server.db import Database
from server.tables import SubmissionRow
from server.trust_tables import ComparisonRow
from tests.support import Person, TestApi, open_phase


async def pairwise_challenge(api: TestApi, slug: str = "change", **phase: Any) -> None:
    await api.challenge(slug=slug, phases=[open_phase(pairwise=True, **phase)])


async def stories(api: TestApi, author: Person, n: int, slug: str = "change",
                  kind: str = "story") -> list[int]:
    return [(await api.submit(author, slug=slug, kind=kind, title=f"{kind} {i}"))["id"]
            for i in range(n)]


async def next_pair(http: httpx.AsyncClient, who: Person, slug: str = "change",
                    kind: str = "story") -> httpx.Response:
    return await http.get(f"/challenges/{slug}/pairs/next", params={"kind": kind},
                          headers=who.headers)


async def compare(http: httpx.AsyncClient, who: Person, pair: str, choice: str,
                  slug: str = "change", reason: str | None = None,
                  key: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"pair": pair, "choice": choice}
    if reason is not None:
        body["reason"] = reason
    headers = {**who.headers, **({"Idempotency-Key": key} if key else {})}
    return await http.post(f"/challenges/{slug}/pairs", json=body, headers=headers)


async def counters(db: Database | str, ids: list[int]) -> dict[int, tuple[int, int, float]]:
    """(wins, losses, pairwise_score) of each submission, from the database."""
    database = Database.connect(db, pool_size=1) if isinstance(db, str) else db
    try:
        async with database.read() as session:
            found = await session.execute(
                select(SubmissionRow.id, SubmissionRow.wins, SubmissionRow.losses,
                       SubmissionRow.pairwise_score).where(SubmissionRow.id.in_(ids)))
            return {sid: (w, lo, s) for sid, w, lo, s in found}
    finally:
        if isinstance(db, str):
            await database.dispose()


async def comparisons(db: Database | str) -> list[tuple[int, int, int, int | None, str | None]]:
    """Every stored comparison: (user, low, high, winner, reason)."""
    database = Database.connect(db, pool_size=1) if isinstance(db, str) else db
    try:
        async with database.read() as session:
            C = ComparisonRow
            found = await session.execute(select(C.user_id, C.low_id, C.high_id, C.winner_id,
                                                 C.reason).order_by(C.id))
            return [tuple(row) for row in found]  # type: ignore[misc]
    finally:
        if isinstance(db, str):
            await database.dispose()


def tally(rows: list[tuple[int, int, int, int | None, str | None]],
          ids: list[int]) -> dict[int, tuple[int, int]]:
    """(wins, losses) of each item as the stored comparisons say."""
    out = {i: [0, 0] for i in ids}
    for _, low, high, winner, _ in rows:
        if winner is None:
            continue
        loser = high if winner == low else low
        out[winner][0] += 1
        out[loser][1] += 1
    return {i: (w, lo) for i, (w, lo) in out.items()}
