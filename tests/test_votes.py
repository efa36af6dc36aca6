"""PUT and DELETE /submissions/{id}/vote: counters, score, budget, phases, bad input."""

from __future__ import annotations

from typing import Any

import httpx

from server.ranking import wilson_lower_bound
from tests.support import DAY, Person, TestApi, open_phase, people, phase, problem


async def put(api: TestApi, who: Person, sid: int, value: Any) -> httpx.Response:
    return await api.http.put(f"/submissions/{sid}/vote", json={"value": value},
                              headers=who.headers)


async def delete(api: TestApi, who: Person, sid: int) -> httpx.Response:
    return await api.http.delete(f"/submissions/{sid}/vote", headers=who.headers)


async def read(api: TestApi, who: Person | None, sid: int) -> dict[str, Any]:
    r = await api.http.get(f"/submissions/{sid}", headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def check(api: TestApi, r: httpx.Response, who: Person, sid: int, up: int, down: int,
                mine: int | None) -> None:
    """The vote answer and a fresh read agree with the expected counts and score."""
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["submission_id"] == sid
    one = await read(api, who, sid)
    for body in (answer, one):
        assert (body["up"], body["down"], body["my_vote"]) == (up, down, mine)
        assert body["score"] == wilson_lower_bound(up, down)


async def test_support_change_and_withdraw(api: TestApi) -> None:
    await api.challenge()
    author, me = await api.person(), await api.person()
    others = await people(api, 3)
    sid = (await api.submit(author))["id"]
    target = (await api.submit(author, title="Untouched"))["id"]
    for n, other in enumerate(others):
        r = await put(api, other, sid, 1 if n < 2 else -1)
        assert r.status_code == 200, r.text
    await check(api, await put(api, me, sid, 1), me, sid, up=3, down=1, mine=1)
    await check(api, await put(api, me, sid, -1), me, sid, up=2, down=2, mine=-1)
    await check(api, await delete(api, me, sid), me, sid, up=2, down=1, mine=None)
    await check(api, await put(api, me, sid, 1), me, sid, up=3, down=1, mine=1)
    # Someone else sees the same counts and no vote of their own.
    assert (await read(api, author, sid))["my_vote"] is None
    anonymous = await read(api, None, sid)
    assert (anonymous["up"], anonymous["down"], anonymous["my_vote"]) == (3, 1, None)
    untouched = await read(api, me, target)
    assert (untouched["up"], untouched["down"], untouched["score"]) == (0, 0, 0.0)


async def test_the_same_vote_twice_changes_nothing(api: TestApi) -> None:
    await api.challenge()
    author, me, other = await api.person(), await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    assert (await put(api, other, sid, -1)).status_code == 200
    for _ in range(2):
        await check(api, await put(api, me, sid, 1), me, sid, up=1, down=1, mine=1)
    for _ in range(2):
        await check(api, await put(api, me, sid, -1), me, sid, up=0, down=2, mine=-1)
    for _ in range(2):
        await check(api, await delete(api, me, sid), me, sid, up=0, down=1, mine=None)


async def test_vote_budget_limits_supports_only(api: TestApi) -> None:
    await api.challenge(phases=[open_phase(vote_budget=2)])
    author, me, other = await api.person(), await api.person(), await api.person()
    a, b, c, d = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(4)]
    await check(api, await put(api, me, a, 1), me, a, up=1, down=0, mine=1)
    await check(api, await put(api, me, b, 1), me, b, up=1, down=0, mine=1)
    spent = problem(await put(api, me, c, 1), 409, type_="/problems/vote-budget-spent")
    assert spent["title"]
    assert (await read(api, me, c))["up"] == 0
    # Repeating a support already given spends nothing more.
    await check(api, await put(api, me, b, 1), me, b, up=1, down=0, mine=1)
    # Opposing is not limited.
    await check(api, await put(api, me, c, -1), me, c, up=0, down=1, mine=-1)
    await check(api, await put(api, me, d, -1), me, d, up=0, down=1, mine=-1)
    problem(await put(api, me, d, 1), 409, type_="/problems/vote-budget-spent")
    # Withdrawing a support frees it; turning one into an oppose does too.
    await check(api, await delete(api, me, a), me, a, up=0, down=0, mine=None)
    await check(api, await put(api, me, c, 1), me, c, up=1, down=0, mine=1)
    problem(await put(api, me, a, 1), 409, type_="/problems/vote-budget-spent")
    await check(api, await put(api, me, b, -1), me, b, up=0, down=1, mine=-1)
    await check(api, await put(api, me, d, 1), me, d, up=1, down=0, mine=1)
    # The budget is per person.
    await check(api, await put(api, other, a, 1), other, a, up=1, down=0, mine=1)
    await check(api, await put(api, other, c, 1), other, c, up=2, down=0, mine=1)


async def test_closed_phase_refuses_votes(api: TestApi) -> None:
    await api.challenge(slug="novotes", phases=[open_phase(votes=False)])
    await api.challenge(slug="change", phases=[open_phase()])
    author, me = await api.person(), await api.person()
    shut = (await api.submit(author, slug="novotes"))["id"]
    sid = (await api.submit(author))["id"]
    assert (await put(api, me, sid, 1)).status_code == 200
    for r in (await put(api, me, shut, 1), await put(api, me, shut, -1),
              await delete(api, me, shut)):
        problem(r, 403, type_="/problems/phase-closed")
    assert (await read(api, me, shut))["up"] == 0
    api.clock.advance(6 * DAY)  # past the end of every phase: none is current
    for r in (await put(api, me, sid, -1), await delete(api, me, sid)):
        problem(r, 403, type_="/problems/phase-closed")
    after = await read(api, me, sid)
    assert (after["up"], after["down"], after["my_vote"]) == (1, 0, 1)


async def test_phase_not_yet_open_refuses_votes(api: TestApi) -> None:
    spec_phases = [phase("Share", -DAY, DAY, submissions=True),
                   phase("Vote", 2 * DAY, 4 * DAY, votes=True)]
    await api.challenge(phases=spec_phases)
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    problem(await put(api, me, sid, 1), 403, type_="/problems/phase-closed")
    api.clock.advance(DAY + DAY // 2)  # between the phases
    problem(await put(api, me, sid, 1), 403, type_="/problems/phase-closed")
    api.clock.advance(DAY)  # the vote phase
    await check(api, await put(api, me, sid, 1), me, sid, up=1, down=0, mine=1)


async def test_withdrawn_submission_is_not_found_for_voters(api: TestApi) -> None:
    await api.challenge()
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    assert (await put(api, me, sid, 1)).status_code == 200
    assert (await api.http.delete(f"/submissions/{sid}", headers=author.headers)
            ).status_code == 204
    problem(await put(api, me, sid, -1), 404)
    problem(await delete(api, me, sid), 404)


async def test_votes_need_a_signed_in_user(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    sid = (await api.submit(author))["id"]
    bad = {"Authorization": "Bearer not-a-real-token"}
    for headers in ({}, bad):
        problem(await api.http.put(f"/submissions/{sid}/vote", json={"value": 1},
                                   headers=headers), 401)
        problem(await api.http.delete(f"/submissions/{sid}/vote", headers=headers), 401)
    assert (await read(api, None, sid))["up"] == 0


async def test_bad_values_and_ids(api: TestApi) -> None:
    await api.challenge()
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    for value in (0, 2, -2, "1", None, 1.5):
        problem(await put(api, me, sid, value), 422, field="value")
    for body in ({}, {"value": 1, "score": 1.0}, [1]):
        problem(await api.http.put(f"/submissions/{sid}/vote", json=body,
                                   headers=me.headers), 422)
    assert (await read(api, me, sid))["up"] == 0
    missing = sid + 1000
    problem(await put(api, me, missing, 1), 404)
    problem(await delete(api, me, missing), 404)
    for huge in (2**40, 2**63):  # beyond any id column: invalid input, not a crash
        problem(await put(api, me, huge, 1), 422)
        problem(await delete(api, me, huge), 422)
        problem(await api.http.get(f"/submissions/{huge}"), 422)
    for odd in (0, -1):
        r = await put(api, me, odd, 1)
        problem(r, r.status_code)
        assert r.status_code in (404, 422)
