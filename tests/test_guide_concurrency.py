"""Concurrent edits of one guide entry over real sockets, on both databases: of two
writers from the same version one wins and the other gets 412 with the winner's text;
twenty writers racing (each retrying from the current entry after a 412) leave a
linear history, 1..N with no gap, in which every accepted edit is kept with its text."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.guide_support import develop_phases
from tests.support import DAY, Clock, LiveServer, add_users, bearer, challenge_spec

WRITERS = 20


async def _entry(http: httpx.AsyncClient, database_url: str, clock: Clock,
                 writers: int) -> tuple[int, str, list[str]]:
    """A shortlisted entry with ``writers`` contributors: (id, a facilitator's token,
    the contributors' tokens); the clock in the develop phase."""
    (_, admin), = await add_users(database_url, 1, role="admin", prefix="admin")
    (_, author), = await add_users(database_url, 1, prefix="author")
    people = await add_users(database_url, writers, prefix="writer")
    r = await http.post("/challenges", json=challenge_spec(phases=develop_phases()),
                        headers=bearer(admin))
    assert r.status_code == 201, r.text
    r = await http.post("/challenges/change/submissions", headers=bearer(author),
                        json={"kind": "idea", "title": "Huddles", "body": "Daily."})
    assert r.status_code == 201, r.text
    clock.advance(2 * DAY)
    r = await http.post("/challenges/change/guide/entries", headers=bearer(admin),
                        json={"submission_id": r.json()["id"]})
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    r = await http.patch(f"/guide/entries/{entry_id}", headers={**bearer(admin), "If-Match": "1"},
                         json={"contributor_ids": [uid for uid, _ in people]})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    return entry_id, admin, [token for _, token in people]


def _client(live: LiveServer) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return httpx.AsyncClient(base_url=f"{live.url}/api/v1", limits=limits, timeout=120)


async def test_two_writers_one_wins_the_other_gets_412_with_the_winners_text(
        live: LiveServer, database_url: str, clock: Clock) -> None:
    async with _client(live) as http:
        entry_id, _, (ada, bob) = await _entry(http, database_url, clock, 2)

        async def write(token: str, text: str) -> httpx.Response:
            return await http.patch(f"/guide/entries/{entry_id}", json={"body": text},
                                    headers={**bearer(token), "If-Match": '"2"'})

        answers = await asyncio.gather(write(ada, "Ada's text"), write(bob, "Bob's text"))
        assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
        won = next(a for a in answers if a.status_code == 200).json()
        lost = next(a for a in answers if a.status_code == 412)
        assert won["version"] == 3
        problem = lost.json()
        assert problem["type"] == "/problems/edit-conflict"
        assert problem["current"]["version"] == 3
        assert problem["current"]["body"] == won["body"]
        assert lost.headers["etag"] == '"3"'
        r = await http.get(f"/guide/entries/{entry_id}/versions", headers=bearer(ada))
        assert [v["version"] for v in r.json()["items"]] == [3, 2, 1]


async def test_twenty_writers_racing_leave_a_linear_history_with_no_lost_edit(
        live: LiveServer, database_url: str, clock: Clock) -> None:
    async with _client(live) as http:
        entry_id, admin, tokens = await _entry(http, database_url, clock, WRITERS)
        refused = 0

        async def writer(i: int, token: str) -> tuple[int, str]:
            nonlocal refused
            version, text = 2, f"Writer {i}'s version of the text."
            while True:
                r = await http.patch(f"/guide/entries/{entry_id}", json={"body": text},
                                     headers={**bearer(token), "If-Match": str(version)})
                if r.status_code == 200:
                    body: dict[str, Any] = r.json()
                    assert body["body"] == text
                    return body["version"], text
                assert r.status_code == 412, r.text
                refused += 1
                version = r.json()["current"]["version"]

        accepted = await asyncio.gather(*(writer(i, t) for i, t in enumerate(tokens)))
        # Every writer's edit was accepted once, each as its own version, in a row.
        assert sorted(v for v, _ in accepted) == list(range(3, 3 + WRITERS))
        # All started from version 2: all but the first were refused at least once.
        assert refused >= WRITERS - 1
        history: list[dict[str, Any]] = []
        cursor = None
        while True:
            r = await http.get(f"/guide/entries/{entry_id}/versions", headers=bearer(admin),
                               params={"limit": 7, **({"cursor": cursor} if cursor else {})})
            assert r.status_code == 200, r.text
            history += r.json()["items"]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        assert [v["version"] for v in history] == list(range(2 + WRITERS, 0, -1))
        for version, text in accepted:  # no accepted edit lost: each kept as answered
            r = await http.get(f"/guide/entries/{entry_id}/versions/{version}",
                               headers=bearer(admin))
            assert r.json()["body"] == text
        r = await http.get(f"/guide/entries/{entry_id}", headers=bearer(admin))
        last = max(accepted)
        assert (r.json()["version"], r.json()["body"]) == last
        assert r.headers["etag"] == f'"{last[0]}"'
