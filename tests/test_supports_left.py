"""``supports_left``: what the vote budget leaves the signed-in viewer, on the challenge
and in every vote's answer; per person, never served from one viewer to another."""

from __future__ import annotations

from typing import Any

from tests.support import Person, TestApi, open_phase, problem
from tests.test_votes import delete, put

LIST = "/challenges/change/submissions"


async def left(api: TestApi, who: Person | None) -> Any:
    r = await api.http.get("/challenges/change", headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    return r.json()["supports_left"]


async def answer(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()["supports_left"]


async def test_supports_left_follows_every_vote(api: TestApi) -> None:
    await api.challenge(phases=[open_phase(vote_budget=2)])
    author, me = await api.person(), await api.person()
    a, b, c = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(3)]
    assert await left(api, me) == 2
    assert await answer(await put(api, me, a, 1)) == 1
    assert await left(api, me) == 1
    assert await answer(await put(api, me, a, 1)) == 1  # the same vote again: no change
    assert await answer(await put(api, me, c, -1)) == 1  # opposing spends nothing
    assert await answer(await put(api, me, b, 1)) == 0
    assert await left(api, me) == 0
    problem(await put(api, me, c, 1), 409, type_="/problems/vote-budget-spent")
    assert await left(api, me) == 0
    assert await answer(await delete(api, me, a)) == 1  # withdrawn: given back
    assert await left(api, me) == 1
    assert await answer(await delete(api, me, a)) == 1  # nothing to withdraw
    assert await answer(await put(api, me, b, -1)) == 2  # a support turned into an oppose
    assert await answer(await delete(api, me, c)) == 2  # an oppose withdrawn
    assert await left(api, me) == 2


async def test_supports_left_is_per_viewer_and_not_kept_for_others(api: TestApi) -> None:
    await api.challenge(phases=[open_phase(vote_budget=3)])
    author, me, other = await api.person(), await api.person(), await api.person()
    a, b = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(2)]
    await put(api, me, a, 1)
    await put(api, me, b, 1)
    # Every cache warm with my reading first: the page, the challenge, the token.
    for who in (me, other, None):
        assert (await api.http.get(LIST, headers=who.headers if who else {})).status_code == 200
    assert await left(api, me) == 1
    assert await left(api, other) == 3
    assert await left(api, None) is None  # signed out: nobody's figure
    assert await left(api, me) == 1
    assert await answer(await put(api, other, a, 1)) == 2
    assert (await left(api, me), await left(api, other)) == (1, 2)
    # The list's items carry no viewer's budget at all.
    page = (await api.http.get(LIST, headers=other.headers)).json()
    assert all("supports_left" not in item for item in page["items"])


async def test_no_budget_no_figure(api: TestApi) -> None:
    await api.challenge(phases=[open_phase()])
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    assert await left(api, me) is None
    assert await answer(await put(api, me, sid, 1)) is None
    assert await answer(await delete(api, me, sid)) is None
