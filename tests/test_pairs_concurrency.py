"""Comparisons that arrive together, over real sockets on both databases: the pair
secret is made once, and the counters stay exactly what the stored answers say."""

from __future__ import annotations

import asyncio
import itertools

import httpx
from sqlalchemy import func, select

from client.ranking import pairwise_score
from server.db import Database
from server.trust_tables import ChallengeKeyRow
from tests.pairs_support import compare, comparisons, counters, next_pair, tally
from tests.support import LiveServer, Person, add_users, bearer, challenge_spec, open_phase

PEOPLE = 16
RECHOICES = 12


async def test_simultaneous_comparisons_count_exactly(live: LiveServer,
                                                      database_url: str) -> None:
    (admin,) = await add_users(database_url, 1, role="admin", prefix="admin")
    (author,) = await add_users(database_url, 1, prefix="author")
    people = [Person(uid, token) for uid, token in
              await add_users(database_url, PEOPLE + 1, prefix="compare")]
    chooser, people = people[0], people[1:]
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", limits=limits,
                                 timeout=120) as http:
        r = await http.post("/challenges", headers=bearer(admin[1]), json=challenge_spec(
            phases=[open_phase(pairwise=True)]))
        assert r.status_code == 201, r.text
        ids = []
        for i in range(2):  # one pair: everybody compares the same two
            r = await http.post("/challenges/change/submissions", headers=bearer(author[1]),
                                json={"kind": "story", "title": f"Story {i}", "body": "Try."})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        # Everyone's first pair at once: the challenge's pair secret is made by one.
        shown = await asyncio.gather(*[next_pair(http, p) for p in [chooser, *people]])
        assert {s.status_code for s in shown} == {200}
        pairs = [s.json() for s in shown]
        expected = dict.fromkeys(ids, 0)
        choices = ["left" if n % 3 else "right" for n in range(PEOPLE)]
        for pair, choice in zip(pairs[1:], choices, strict=True):
            expected[pair[choice]["id"]] += 1
        # All of them answer at once, while one person changes their mind again and again.
        rechoices = list(itertools.islice(itertools.cycle(["left", "right", "skip"]),
                                          RECHOICES))
        answers = await asyncio.gather(
            *[compare(http, p, pair["pair"], c)
              for p, pair, c in zip(people, pairs[1:], choices, strict=True)],
            *[compare(http, chooser, pairs[0]["pair"], c) for c in rechoices])
        assert {a.status_code for a in answers} == {200}, [a.text for a in answers]

    db = Database.connect(database_url, pool_size=1)
    try:
        async with db.read() as session:
            keys = (await session.execute(select(func.count()).select_from(ChallengeKeyRow))
                    ).scalar_one()
        stored = await comparisons(db)
        found = await counters(db, ids)
    finally:
        await db.dispose()
    assert keys == 1
    assert len(stored) == PEOPLE + 1  # one per person and pair
    mine = [row for row in stored if row[0] == chooser.id]
    assert len(mine) == 1
    if mine[0][3] is not None:
        expected[mine[0][3]] += 1
    for sid, (wins, losses) in tally(stored, ids).items():
        assert found[sid] == (wins, losses, pairwise_score(wins, losses))
        assert wins == expected[sid]
    assert sum(w for w, _, _ in found.values()) == sum(lo for _, lo, _ in found.values())
