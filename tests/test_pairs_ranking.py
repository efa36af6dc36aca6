"""``sort=pairwise`` (order, ties, cursors, the page cache) and the pure pair selection
(``server.pair_selection``): never self or answered, the least compared first."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from client.ranking import pairwise_score
from server.pair_selection import choose_pair
from server.tables import SubmissionRow
from tests.pairs_support import compare, next_pair, pairwise_challenge, stories
from tests.support import TestApi

LIST = "/challenges/change/submissions"


async def every_page(api: TestApi, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await api.http.get(LIST, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 2
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_sort_pairwise_orders_by_score_then_newest_across_pages(api: TestApi) -> None:
    await pairwise_challenge(api)
    author = await api.person()
    ids = await stories(api, author, 7)
    idea = (await stories(api, author, 1, kind="idea"))[0]
    # Scores with ties (two at 0.75, three untouched at 0.5) and one below.
    tallies = {ids[0]: (2, 0), ids[3]: (2, 0), ids[1]: (5, 1), ids[5]: (0, 3), idea: (9, 0)}
    async with api.db.write() as session:
        for sid, (wins, losses) in tallies.items():
            await session.execute(update(SubmissionRow).where(SubmissionRow.id == sid).values(
                wins=wins, losses=losses, pairwise_score=pairwise_score(wins, losses)))
        await session.commit()
    expected = sorted(ids, key=lambda i: (pairwise_score(*tallies.get(i, (0, 0))), i),
                      reverse=True)
    listed = await every_page(api, sort="pairwise", kind="story")
    assert [item["id"] for item in listed] == expected
    assert [(i["wins"], i["losses"]) for i in listed] == [tallies.get(i, (0, 0))
                                                        for i in expected]
    everything = await every_page(api, sort="pairwise")
    assert [item["id"] for item in everything] == [idea, *expected]
    # A cursor of this sort is no cursor of another.
    first = (await api.http.get(LIST, params={"sort": "pairwise", "limit": 2})).json()
    r = await api.http.get(LIST, params={"sort": "top", "cursor": first["next_cursor"]})
    assert r.status_code == 422


async def test_a_comparison_shows_in_the_next_pairwise_page(api: TestApi) -> None:
    await pairwise_challenge(api)
    author, me = await api.person(), await api.person()
    await stories(api, author, 2)
    before = (await api.http.get(LIST, params={"sort": "pairwise"})).json()["items"]
    assert {(i["wins"], i["losses"]) for i in before} == {(0, 0)}
    pair = (await next_pair(api.http, me)).json()
    assert (await compare(api.http, me, pair["pair"], "right")).status_code == 200
    after = (await api.http.get(LIST, params={"sort": "pairwise"})).json()["items"]
    assert after[0]["id"] == pair["right"]["id"]
    assert (after[0]["wins"], after[1]["losses"]) == (1, 1)


# The pure selection ---------------------------------------------------------------

items_st = st.dictionaries(st.integers(1, 40), st.integers(0, 30), min_size=0, max_size=12)


@settings(max_examples=300, deadline=None)
@given(items_st, st.data())
def test_selection_never_repeats_or_pairs_an_item_with_itself(
        compared: dict[int, int], data: st.DataObject) -> None:
    everything = [(a, b) for a in compared for b in compared if a < b]
    answered = data.draw(st.lists(st.sampled_from(everything), unique=True)
                         if everything else st.just([]))
    strangers = data.draw(st.lists(st.tuples(st.integers(41, 50), st.integers(1, 50))))
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    chosen = choose_pair(compared, [*answered, *strangers], rng)
    if len(answered) == len(everything):
        assert chosen is None
        return
    assert chosen is not None
    left, right = chosen
    assert left != right and left in compared and right in compared
    assert (min(chosen), max(chosen)) not in answered
    # One of the two is the least compared of the items that still have a partner.
    done = Counter(i for pair in answered for i in pair)
    open_items = [i for i in compared if done[i] < len(compared) - 1]
    assert min(compared[left], compared[right]) == min(compared[i] for i in open_items)


def test_selection_shows_new_items_most_and_sides_at_random() -> None:
    rng = random.Random(7)
    compared = {i: 50 for i in range(1, 41)}
    compared[41] = 0  # a new item
    compared[42] = 3
    firsts: Counter[int] = Counter()
    sides: Counter[str] = Counter()
    partners: Counter[int] = Counter()
    for _ in range(2000):
        chosen = choose_pair(compared, [], rng)
        assert chosen is not None
        firsts.update(chosen)
        sides["new on the left" if chosen[0] == 41 else "new on the right"] += 41 in chosen
        partner = chosen[1] if chosen[0] == 41 else chosen[0]
        partners[partner] += 1
    assert firsts[41] == 2000  # the least compared is in every pair
    assert 850 < sides["new on the left"] < 1150
    # The partner is drawn toward few comparisons: 42 (3 so far) far more often than
    # any one item compared 50 times, and it is still a draw among them all.
    assert partners[42] > 5 * max(partners[i] for i in range(1, 41))
    assert len(partners) > 30


def test_selection_moves_on_when_the_least_compared_is_exhausted() -> None:
    compared = {1: 0, 2: 5, 3: 5, 4: 9}
    answered = [(1, 2), (3, 1), (1, 4)]  # item 1 has met everyone
    seen = {choose_pair(compared, answered, random.Random(seed)) for seed in range(50)}
    assert {(min(p), max(p)) for p in seen if p} <= {(2, 3), (2, 4), (3, 4)}
    assert all(p is not None and {2, 3} & set(p) for p in seen)
    assert choose_pair(compared, [*answered, (2, 3), (2, 4), (4, 3)], random.Random(1)) is None
    assert choose_pair({1: 0}, [], random.Random(1)) is None
    assert choose_pair({}, [], random.Random(1)) is None
