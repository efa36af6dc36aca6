"""Merging duplicates: votes and comments move, one vote per person, and undo puts it all back."""

from __future__ import annotations

from typing import Any

from server.ranking import wilson_lower_bound
from tests.moderation_support import (
    comment,
    comment_row,
    decide,
    decided,
    flag,
    snapshot,
    submission_row,
    undo,
    undone,
    vote,
)
from tests.support import TestApi, people, problem


async def read(api: TestApi, sid: int, who: Any = None) -> dict[str, Any]:
    r = await api.http.get(f"/submissions/{sid}", headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_merge_with_voters_on_both_sides(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    only_source, only_target, both_agree, both_differ = await people(api, 4)
    target = (await api.submit(author, title="Daily huddles"))["id"]
    source = (await api.submit(author, title="Huddles every day"))["id"]
    await vote(api, only_source, source, 1)
    await vote(api, only_target, target, -1)
    await vote(api, both_agree, source, 1)
    await vote(api, both_agree, target, 1)
    await vote(api, both_differ, source, 1)
    await vote(api, both_differ, target, -1)
    first = (await comment(api, only_source, source, "We do this at 8am."))["id"]
    reply = (await comment(api, author, source, "Same here.", parent_id=first))["id"]
    there = (await comment(api, only_target, target, "Works for us."))["id"]
    reporter = await api.person()
    await flag(api, reporter, "submission", source, "other", "duplicate")
    before = await snapshot(api.db)
    assert (await submission_row(api.db, source)).up == 3

    made = await decided(api, mod, "merge", ("submission", source), merge_into=target,
                         reason="Same idea.")
    assert made["action"]["merge_into"] == target
    assert made["items"][0]["status"] == "merged"
    assert made["items"][0]["status_reason"] == f"Merged into submission #{target}. Same idea."
    merged, into = await read(api, source, author), await read(api, target)
    assert (merged["status"], merged["up"], merged["down"], merged["comments"]) == (
        "merged", 0, 0, 0)
    # Each person keeps one vote; the destination's where they voted on both.
    assert (into["up"], into["down"]) == (2, 2)
    assert into["score"] == wilson_lower_bound(2, 2)
    assert into["comments"] == 3
    mine = {who.id: (await read(api, target, who))["my_vote"]
            for who in (only_source, only_target, both_agree, both_differ)}
    assert mine == {only_source.id: 1, only_target.id: -1, both_agree.id: 1,
                    both_differ.id: -1}
    thread = (await api.http.get(f"/submissions/{target}/comments")).json()["items"]
    assert [c["id"] for c in thread] == [first, reply, there]
    assert (await comment_row(api.db, reply)).parent_id == first
    # The merged submission takes no votes and no comments now.
    r = await api.http.put(f"/submissions/{source}/vote", json={"value": 1},
                           headers=only_target.headers)
    assert r.status_code in (404, 409)
    listed = (await api.http.get("/challenges/change/submissions")).json()["items"]
    assert [s["id"] for s in listed] == [target]

    # A reply to a moved comment after the merge goes back with it.
    late = (await comment(api, both_agree, target, "Late reply", parent_id=first))["id"]
    back = await undone(api, mod, made["action"]["id"])
    assert back["items"][0]["status"] == "published"
    assert (await comment_row(api.db, late)).submission_id == source
    after = await snapshot(api.db)
    del after["comments"][late]
    after["submissions"][source] = (*after["submissions"][source][:4],
                                    before["submissions"][source][4],
                                    *after["submissions"][source][5:])
    assert after == before
    assert (await submission_row(api.db, source)).comments == 3  # with the late reply


async def test_bulk_merge_of_several_duplicates(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    voters = await people(api, 3)
    target = (await api.submit(author, title="Protected learning time"))["id"]
    dupes = [(await api.submit(author, title=f"Learning time {i}"))["id"] for i in range(3)]
    # voters[0] supports two of the duplicates (not the destination): one vote survives.
    await vote(api, voters[0], dupes[0], 1)
    await vote(api, voters[0], dupes[1], -1)
    await vote(api, voters[1], dupes[2], 1)
    await vote(api, voters[2], target, 1)
    await vote(api, voters[2], dupes[2], -1)
    await comment(api, voters[1], dupes[1], "Yes please")
    before = await snapshot(api.db)

    made = await decided(api, mod, "merge", *[("submission", d) for d in dupes],
                         merge_into=target)
    into = await read(api, target)
    assert (into["up"], into["down"], into["comments"]) == (3, 0, 1)
    assert {(await submission_row(api.db, d)).status for d in dupes} == {"merged"}
    r = await api.http.get("/moderation/log", params={"action": "merge"}, headers=mod.headers)
    (entry,) = r.json()["items"]
    assert entry["targets"] == [{"type": "submission", "id": d} for d in dupes]
    await undone(api, mod, made["action"]["id"])
    assert await snapshot(api.db) == before


async def test_merge_destination_rules(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    a = (await api.submit(author, title="A"))["id"]
    b = (await api.submit(author, title="B"))["id"]
    c = (await api.submit(author, title="C"))["id"]
    hidden = await decided(api, mod, "hide", ("submission", c))
    body = problem(await decide(api, mod, "merge", ("submission", a), merge_into=c), 409,
                   "/problems/decision-conflict")
    assert body["errors"][0]["field"] == "merge_into"
    assert f"(action {hidden['action']['id']})" in body["detail"]
    first = await decided(api, mod, "merge", ("submission", a), merge_into=b)
    # Merged already: the second merge names the first.
    body = problem(await decide(api, mod, "merge", ("submission", a), merge_into=b), 409)
    assert f"(action {first['action']['id']})" in body["detail"]
    # A later merge into the same destination must be undone first.
    await undone(api, mod, hidden["action"]["id"])
    second = await decided(api, mod, "merge", ("submission", c), merge_into=b)
    body = problem(await undo(api, mod, first["action"]["id"]), 409, "/problems/undo-refused")
    assert f"(action {second['action']['id']})" in body["detail"]
    await undone(api, mod, second["action"]["id"])
    await undone(api, mod, first["action"]["id"])
    assert (await submission_row(api.db, a)).status == "published"
