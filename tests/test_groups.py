"""Staff groups (issue 15): PATCH /me, sort=bridging and the groups shown on items, over
a live server on both databases. No figure is shown for a group of fewer than 5."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from client import ChallengeClient, Invalid
from client.ranking import MIN_GROUP_SIZE, STAFF_GROUPS, bridging_score
from server.config import Settings
from server.db import Database
from tests.support import Clock, LiveServer, Person, TestApi, problem

LIST = "/challenges/change/submissions"
NURSES, PORTERS, DOCTORS = ("Nursing and midwifery registered", "Estates and ancillary",
                            "Medical and dental")


@pytest.fixture
async def remote(live: LiveServer, settings: Settings, clock: Clock) -> AsyncIterator[TestApi]:
    """The short-hands of ``TestApi`` over a real socket to a live server."""
    db = Database.connect(settings.database_url, pool_size=1)
    try:
        async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=30) as http:
            yield TestApi(http, settings, clock, db)
    finally:
        await db.dispose()


async def grouped(api: TestApi, group: str | None, n: int) -> list[Person]:
    made = [await api.person() for _ in range(n)]
    for who in made:
        r = await api.http.patch("/me", json={"staff_group": group}, headers=who.headers)
        assert r.status_code == 200, r.text
    return made


async def vote(api: TestApi, who: Person, sid: int, value: int) -> None:
    r = await api.http.put(f"/submissions/{sid}/vote", json={"value": value},
                           headers=who.headers)
    assert r.status_code == 200, r.text


async def bridging_walk(api: TestApi, limit: int) -> list[dict[str, Any]]:
    """Every item of sort=bridging, a page of ``limit`` at a time."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"sort": "bridging", "limit": limit}
        if cursor:
            params["cursor"] = cursor
        r = await api.http.get(LIST, params=params)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


def expected_order(votes: dict[int, dict[str, tuple[int, int]]], ids: list[int],
                   groups: set[str]) -> list[int]:
    return sorted(ids, key=lambda i: (-bridging_score(votes.get(i, {}), groups), -i))


async def test_me_declares_changes_and_clears_the_staff_group(remote: TestApi,
                                                              live: LiveServer) -> None:
    api = remote
    who = await api.person()
    r = await api.http.patch("/me", json={"staff_group": NURSES}, headers=who.headers)
    assert r.status_code == 200 and r.json()["staff_group"] == NURSES
    # The cached sign-in was dropped: /me says the new group at once.
    assert (await api.http.get("/me", headers=who.headers)).json()["staff_group"] == NURSES
    problem(await api.http.patch("/me", json={"staff_group": "Nursing"},
                                 headers=who.headers), 422, field="staff_group")
    problem(await api.http.patch("/me", json={"staff_group": 3}, headers=who.headers),
            422, field="staff_group")
    problem(await api.http.patch("/me", json={"role": "admin"}, headers=who.headers), 422)
    problem(await api.http.patch("/me", json={"staff_group": NURSES}), 401)
    assert (await api.http.get("/me", headers=who.headers)).json()["staff_group"] == NURSES
    async with ChallengeClient(live.url, token=who.token) as client:
        assert (await client.update_me(staff_group=PORTERS)).staff_group == PORTERS
        assert (await client.update_me(staff_group=None)).staff_group is None
        with pytest.raises(Invalid):
            await client.update_me(staff_group="Porters")
    assert (await api.http.get("/me", headers=who.headers)).json()["staff_group"] is None
    assert set(STAFF_GROUPS) >= {NURSES, PORTERS, DOCTORS}


async def test_bridging_order_and_groups_follow_the_votes(remote: TestApi) -> None:
    api = remote
    await api.challenge()
    author = await api.person()
    sids = [(await api.submit(author, title=f"Idea {i}"))["id"] for i in range(5)]
    nurses = await grouped(api, NURSES, MIN_GROUP_SIZE)
    porters = await grouped(api, PORTERS, MIN_GROUP_SIZE + 1)
    doctors = await grouped(api, DOCTORS, MIN_GROUP_SIZE - 1)  # too few to count
    loners = await grouped(api, None, 3)
    # (voters, submission index, value): all nurses and porters like idea 0; nurses
    # love idea 1 and porters oppose it; doctors all back idea 2.
    plan = ([(p, 0, 1) for p in nurses + porters] + [(p, 1, 1) for p in nurses]
            + [(p, 1, -1) for p in porters] + [(p, 2, 1) for p in doctors + loners]
            + [(nurses[0], 3, -1), (porters[0], 3, 1)])
    tally: dict[int, dict[str, tuple[int, int]]] = {}
    group_of = {p.id: g for g, ps in ((NURSES, nurses), (PORTERS, porters),
                                      (DOCTORS, doctors)) for p in ps}
    for who, index, value in plan:
        await vote(api, who, sids[index], value)
        if who.id in group_of:
            up, down = tally.setdefault(sids[index], {}).get(group_of[who.id], (0, 0))
            tally[sids[index]][group_of[who.id]] = (up + (value > 0), down + (value < 0))
    counting = {NURSES, PORTERS}
    items = await bridging_walk(api, limit=2)
    assert [i["id"] for i in items] == expected_order(tally, sids, counting)
    assert items[0]["id"] == sids[0]  # the one every counting group supports
    by_id = {i["id"]: i for i in items}
    for sid in sids:
        assert by_id[sid]["bridging"] == bridging_score(tally.get(sid, {}), counting)
    # Groups in the order of their names.
    assert by_id[sids[0]]["groups"] == [
        {"group": PORTERS, "up": 6, "down": 0}, {"group": NURSES, "up": 5, "down": 0}]
    assert by_id[sids[1]]["groups"] == [
        {"group": PORTERS, "up": 0, "down": 6}, {"group": NURSES, "up": 5, "down": 0}]
    # Four doctors: no figure of theirs anywhere, though 4 + 3 voted on idea 2.
    assert by_id[sids[2]]["groups"] == [] and by_id[sids[3]]["groups"] == []
    one = (await api.http.get(f"/submissions/{sids[1]}")).json()
    assert one["groups"] == by_id[sids[1]]["groups"]
    assert one["bridging"] == by_id[sids[1]]["bridging"]
    for sort in ("new", "top"):
        listed = (await api.http.get(LIST, params={"sort": sort})).json()["items"]
        assert {i["id"]: i["groups"] for i in listed} == {
            s: by_id[s]["groups"] for s in sids}

    # A fifth doctor votes: doctors count now, on idea 2 (5 votes) and in the order.
    fifth = (await grouped(api, DOCTORS, 1))[0]
    await vote(api, fifth, sids[2], 1)
    tally[sids[2]][DOCTORS] = (5, 0)
    counting.add(DOCTORS)
    items = await bridging_walk(api, limit=3)
    assert [i["id"] for i in items] == expected_order(tally, sids, counting)
    assert {i["id"]: i["groups"] for i in items}[sids[2]] == [
        {"group": DOCTORS, "up": 5, "down": 0}]

    # One of them leaves the group: four again, and the doctors' figures go at once.
    r = await api.http.patch("/me", json={"staff_group": None}, headers=fifth.headers)
    assert r.status_code == 200
    counting.discard(DOCTORS)
    del tally[sids[2]][DOCTORS]
    items = await bridging_walk(api, limit=10)
    assert [i["id"] for i in items] == expected_order(tally, sids, counting)
    assert all(g["group"] != DOCTORS for i in items for g in i["groups"])

    # A vote changes the order at once: porters turn to idea 3 and nurses support it.
    for who in porters[1:] + nurses[1:]:
        await vote(api, who, sids[3], 1)
        up, down = tally[sids[3]][group_of[who.id]]
        tally[sids[3]][group_of[who.id]] = (up + 1, down)
    items = await bridging_walk(api, limit=4)
    assert [i["id"] for i in items] == expected_order(tally, sids, counting)
    assert items[0]["id"] == sids[3] or items[0]["id"] == sids[0]


async def test_a_bridging_cursor_pages_through_filters(remote: TestApi) -> None:
    api = remote
    await api.challenge()
    author = await api.person()
    stories = [(await api.submit(author, title=f"Story {i}"))["id"] for i in range(4)]
    ideas = [(await api.submit(author, kind="idea", title=f"Idea {i}"))["id"]
             for i in range(3)]
    voters = await grouped(api, NURSES, MIN_GROUP_SIZE)
    for n, who in enumerate(voters):
        await vote(api, who, stories[1], 1)
        await vote(api, who, ideas[2], 1 if n else -1)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"sort": "bridging", "kind": "story", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        body = (await api.http.get(LIST, params=params)).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [stories[1], *sorted((s for s in stories if s != stories[1]),
                                        reverse=True)]
    r = await api.http.get(LIST, params={"sort": "bridging", "q": "Idea", "limit": 2})
    assert [i["id"] for i in r.json()["items"]] == [ideas[2], ideas[1]]
    problem(await api.http.get(LIST, params={"sort": "bridging", "cursor": "junk"}), 422)
