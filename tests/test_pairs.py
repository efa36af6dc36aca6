"""GET /challenges/{slug}/pairs/next and POST /challenges/{slug}/pairs: which pairs a
person is shown, how answers count, and who may compare."""

from __future__ import annotations

import itertools
from typing import Any

from client.ranking import pairwise_score
from tests.pairs_support import (
    compare,
    comparisons,
    counters,
    next_pair,
    pairwise_challenge,
    stories,
    tally,
)
from tests.support import DAY, TestApi, open_phase, phase, problem


async def test_every_pair_once_never_self_or_own_then_none_left(api: TestApi) -> None:
    await pairwise_challenge(api)
    author, me = await api.person(), await api.person()
    theirs = await stories(api, author, 4)
    mine = await stories(api, me, 1)
    await stories(api, author, 2, kind="idea")  # another kind: never in a story pair
    withdrawn = (await stories(api, author, 1))[0]
    assert (await api.http.delete(f"/submissions/{withdrawn}", headers=author.headers)
            ).status_code == 204
    r = await next_pair(api.http, me)
    assert r.status_code == 200, r.text
    pair: dict[str, Any] | None = r.json()
    seen: list[tuple[int, int]] = []
    choices = itertools.cycle(["left", "right", "skip"])
    while pair is not None:
        left, right = pair["left"]["id"], pair["right"]["id"]
        assert left != right and {left, right} <= set(theirs)
        assert pair["left"]["kind"] == pair["right"]["kind"] == "story"
        seen.append((min(left, right), max(left, right)))
        answer = await compare(api.http, me, pair["pair"], next(choices))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["left_id"], body["right_id"]) == (left, right)
        pair = body["next"]  # one request per comparison
    assert sorted(seen) == sorted(itertools.combinations(sorted(theirs), 2))
    assert (await next_pair(api.http, me)).status_code == 204
    assert mine[0] not in {i for p in seen for i in p}
    # Someone else still has every pair ahead of them; the author none of their own.
    other = await api.person()
    assert (await next_pair(api.http, other)).status_code == 200
    assert (await next_pair(api.http, author)).status_code == 204  # only theirs are left
    stored = await comparisons(api.db)
    found = await counters(api.db, theirs)
    for sid, (wins, losses) in tally(stored, theirs).items():
        assert found[sid] == (wins, losses, pairwise_score(wins, losses))
    assert sum(w for w, _, _ in found.values()) == 4  # 6 answers, 2 of them skips


async def test_choosing_again_replaces_the_answer(api: TestApi) -> None:
    await pairwise_challenge(api)
    author, me, other = await api.person(), await api.person(), await api.person()
    a, b = await stories(api, author, 2)
    pair = (await next_pair(api.http, me)).json()
    theirs = (await next_pair(api.http, other)).json()
    left, right = pair["left"]["id"], pair["right"]["id"]
    assert (await compare(api.http, other, theirs["pair"], "skip")).status_code == 200

    async def check(choice: str, wins: dict[int, tuple[int, int]],
                    reason: str | None = None) -> None:
        r = await compare(api.http, me, pair["pair"], choice, reason=reason)
        assert r.status_code == 200, r.text
        assert r.json()["choice"] == choice and r.json()["next"] is None
        assert await counters(api.db, [a, b]) == {
            sid: (w, lo, pairwise_score(w, lo)) for sid, (w, lo) in wins.items()}
        shown = (await api.http.get(f"/submissions/{left}")).json()
        assert (shown["wins"], shown["losses"]) == wins[left]
        assert shown["pairwise_score"] == pairwise_score(*wins[left])

    await check("left", {left: (1, 0), right: (0, 1)})
    await check("left", {left: (1, 0), right: (0, 1)})  # the same again: no change
    await check("right", {left: (0, 1), right: (1, 0)})
    await check("skip", {left: (0, 0), right: (0, 0)}, reason="Both matter")
    stored = [row for row in await comparisons(api.db) if row[0] == me.id]
    assert stored == [(me.id, min(a, b), max(a, b), None, "Both matter")]
    await check("skip", {left: (0, 0), right: (0, 0)}, reason="Can't tell")
    for choice in ("left", "right"):  # a reason is for can't-decide: refused, not dropped
        body = problem(await compare(api.http, me, pair["pair"], choice, reason="Because"),
                       422, field="reason")
        assert "skip" in body["errors"][0]["message"]
    stored = [row for row in await comparisons(api.db) if row[0] == me.id]
    assert stored == [(me.id, min(a, b), max(a, b), None, "Can't tell")]
    await check("right", {left: (0, 1), right: (1, 0)})
    stored = [row for row in await comparisons(api.db) if row[0] == me.id]
    assert stored == [(me.id, min(a, b), max(a, b), right, None)]
    assert len(await comparisons(api.db)) == 2  # one per person and pair


async def test_a_retry_with_the_same_idempotency_key_counts_once(api: TestApi) -> None:
    await pairwise_challenge(api)
    author, me = await api.person(), await api.person()
    ids = await stories(api, author, 3)
    pair = (await next_pair(api.http, me)).json()
    first = await compare(api.http, me, pair["pair"], "left", key="k-1")
    again = await compare(api.http, me, pair["pair"], "left", key="k-1")
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()  # the same next pair too
    assert sum(w for w, _, _ in (await counters(api.db, ids)).values()) == 1
    problem(await compare(api.http, me, pair["pair"], "right", key="k-1"), 409,
            type_="/problems/idempotency-key-reused")
    assert sum(w for w, _, _ in (await counters(api.db, ids)).values()) == 1


async def test_scores_are_hidden_while_the_phase_hides_counts(api: TestApi) -> None:
    await pairwise_challenge(api, show_counts=False)
    author, me = await api.person(), await api.person()
    ids = await stories(api, author, 3)
    pair = (await next_pair(api.http, me)).json()
    for side in ("left", "right"):
        assert (pair[side]["wins"], pair[side]["losses"], pair[side]["pairwise_score"]) == (
            None, None, None)
    answer = (await compare(api.http, me, pair["pair"], "left")).json()
    following = answer["next"]
    assert following["left"]["wins"] is None and following["right"]["pairwise_score"] is None
    # Counted all the same, and shown once the phase shows counts.
    assert sum(w for w, _, _ in (await counters(api.db, ids)).values()) == 1
    for path in [f"/submissions/{pair['left']['id']}",
                 "/challenges/change/submissions?sort=new"]:
        for who in (me.headers, {}):
            body = (await api.http.get(path, headers=who)).json()
            for item in body.get("items", [body]):
                assert (item["wins"], item["losses"], item["pairwise_score"]) == (
                    None, None, None)
    problem(await api.http.get("/challenges/change/submissions?sort=pairwise"), 403,
            type_="/problems/counts-hidden")
    api.clock.advance(6 * DAY)  # the phase is over: counts show
    shown = (await api.http.get(f"/submissions/{pair['left']['id']}")).json()
    assert (shown["wins"], shown["losses"]) == (1, 0)


async def test_forged_foreign_and_stale_pairs_are_refused(api: TestApi) -> None:
    await pairwise_challenge(api)
    await pairwise_challenge(api, slug="other")
    author, me, other = await api.person(), await api.person(), await api.person()
    ids = await stories(api, author, 3)
    elsewhere = await stories(api, author, 2, slug="other")
    token = (await next_pair(api.http, me)).json()["pair"]
    theirs = (await next_pair(api.http, other)).json()["pair"]
    other_challenge = (await next_pair(api.http, me, slug="other")).json()["pair"]
    kind, left, right, mac = token.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    bad = [theirs,  # someone else's
           other_challenge,  # another challenge's
           f"{kind}.{right}.{left}.{mac}",  # sides swapped
           f"{kind}.{left}.{elsewhere[0]}.{mac}",  # an item changed
           f"idea.{left}.{right}.{mac}",  # the kind changed
           f"{kind}.{left}.{right}.{flipped}",  # the signature changed
           f"{kind}.{left}.{left}.{mac}", f"{kind}.{left}.99999999999.{mac}",
           "x", "story.1.2.", f"{token}\n", f" {token}"]
    for forged in bad:
        problem(await compare(api.http, me, forged, "left"), 422, field="pair")
    for body in ({"pair": token}, {"pair": token, "choice": "up"}, {"pair": "", "choice": "left"},
                 {"pair": token, "choice": "skip", "reason": "x" * 501}):
        problem(await api.http.post("/challenges/change/pairs", json=body,
                                    headers=me.headers), 422)
    problem(await compare(api.http, me, token, "left", slug="missing"), 404)
    assert (await comparisons(api.db)) == []
    # An item withdrawn since the pair was shown: gone, never a crash.
    gone = int(left)
    assert (await api.http.delete(f"/submissions/{gone}", headers=author.headers)
            ).status_code == 204
    problem(await compare(api.http, me, token, "left"), 409, type_="/problems/pair-gone")
    assert sum(w for w, _, _ in (await counters(api.db, ids)).values()) == 0
    for r in (await next_pair(api.http, me, kind="poem"),
              await api.http.get("/challenges/change/pairs/next", headers=me.headers)):
        problem(r, 422)


async def test_only_signed_in_people_in_a_pairwise_phase(api: TestApi) -> None:
    await api.challenge(slug="plain", phases=[open_phase()])
    spec = [phase("Share", -DAY, DAY, submissions=True),
            phase("Compare", 2 * DAY, 4 * DAY, pairwise=True, show_counts=True)]
    await api.challenge(slug="later", phases=spec)
    author, me = await api.person(), await api.person()
    await stories(api, author, 2, slug="plain")
    await stories(api, author, 2, slug="later")
    for slug in ("plain", "later"):
        problem(await next_pair(api.http, me, slug=slug), 403, type_="/problems/phase-closed")
        problem(await compare(api.http, me, "story.1.2.AAAAAAAAAAAAAAAAAAAAAAAA", "left",
                              slug=slug), 422, field="pair")
    api.clock.advance(2 * DAY + DAY // 2)  # the compare phase
    pair = (await next_pair(api.http, me, slug="later")).json()
    api.clock.advance(2 * DAY)  # over
    problem(await compare(api.http, me, pair["pair"], "left", slug="later"), 403,
            type_="/problems/phase-closed")
    problem(await next_pair(api.http, me, slug="later"), 403, type_="/problems/phase-closed")
    for headers in ({}, {"Authorization": "Bearer nope"}):
        problem(await api.http.get("/challenges/later/pairs/next?kind=story",
                                   headers=headers), 401)
        problem(await api.http.post("/challenges/later/pairs", headers=headers,
                                    json={"pair": pair["pair"], "choice": "left"}), 401)
