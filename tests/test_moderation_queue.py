"""The moderation queue and the audit log: contents, order, filters, paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.moderation_support import (
    Target,
    comment,
    decided,
    flag,
    queue,
    queued,
    undone,
)
from tests.support import HOUR, TestApi, people, problem

NHS = "943 476 5919"  # a valid modulus 11 check digit


async def pages(api: TestApi, who: Any, limit: int, **params: Any) -> list[Target]:
    seen: list[Target] = []
    cursor = None
    for _ in range(50):
        extra: dict[str, Any] = {"cursor": cursor} if cursor else {}
        body = await queue(api, who, limit=limit, **params, **extra)
        assert len(body["items"]) <= limit
        seen += [(i["type"], i["id"]) for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the queue did not end")


async def test_queue_order_filters_and_paging(api: TestApi) -> None:
    await api.challenge(slug="held", moderation="pre")
    await api.challenge(slug="open")
    mod, author = await api.person("moderator"), await api.person()
    reporters = await people(api, 2)

    async def later() -> None:
        api.clock.advance(HOUR)

    held = (await api.submit(author, slug="held", kind="idea", title="Held idea"))["id"]
    await later()
    host = (await api.submit(author, slug="open", title="Host"))["id"]
    quiet = (await api.submit(author, slug="open", title="Quiet"))["id"]
    await later()
    talk = (await comment(api, author, host, "Rude words"))["id"]
    await later()
    spam = (await api.submit(author, slug="open", title="Spammy"))["id"]
    await later()
    private = (await api.submit(author, slug="open", title="Patient", body=f"NHS {NHS}"))
    assert private["status"] == "pending"
    await flag(api, reporters[0], "submission", spam, "spam")
    await flag(api, reporters[1], "submission", spam, "off_topic")
    await flag(api, reporters[0], "comment", talk, "offensive")
    await flag(api, reporters[0], "submission", host, "other")

    everything = [("submission", held), ("submission", host), ("comment", talk),
                  ("submission", spam), ("submission", private["id"])]
    body = await queue(api, mod, limit=100)
    assert [(i["type"], i["id"]) for i in body["items"]] == everything
    assert body["total"] == 5 and body["next_cursor"] is None
    assert ("submission", quiet) not in everything
    for limit in (1, 2, 3):
        assert await pages(api, mod, limit) == everything
    assert await queued(api, mod, challenge="held") == [("submission", held)]
    assert await queued(api, mod, kind="idea") == [("submission", held)]
    assert await queued(api, mod, type="comment") == [("comment", talk)]
    assert await queued(api, mod, flag_reason="spam") == [("submission", spam)]
    assert await queued(api, mod, flag_reason="offensive", challenge="open") == [
        ("comment", talk)]
    assert await pages(api, mod, 1, challenge="open", type="submission") == [
        ("submission", host), ("submission", spam), ("submission", private["id"])]
    assert (await queue(api, mod, challenge="open", limit=1))["total"] == 4
    # The personal-data hold is in the queue with its reason and the spans found.
    item = body["items"][-1]
    assert item["id"] == private["id"]
    assert item["queued_for"] == ["pending"] and "NHS number" in item["status_reason"]
    (found,) = item["personal_data"]
    assert (found["field"], found["kind"], found["text"]) == ("body", "nhs_number", NHS)
    assert item["body"][found["start"]:found["end"]] == NHS


async def test_queue_item_details(api: TestApi) -> None:
    await api.challenge(anonymous_default=True)
    mod, author, other = await api.person("moderator"), await api.person(), await api.person()
    reporter = await api.person()
    first = (await api.submit(other, title="Daily huddles on the ward",
                              body="A ten minute huddle every morning on the ward."))["id"]
    old = (await api.submit(author, title="Old news", body="Not relevant"))["id"]
    await decided(api, mod, "reject", ("submission", old), reason="Off topic for this.")
    for i in range(4):
        await api.submit(other, title=f"Ward huddles daily {i}",
                         body="Every morning a short huddle on the ward.")
    await api.submit(other, title="Car parking fees", body="Parking costs too much.")
    sid = (await api.submit(author, title="Ward huddles, daily",
                            body="We run a huddle on the ward every morning: ten minutes.",
                            themes=["Time and capacity"]))["id"]
    await flag(api, reporter, "submission", sid, "other", "looks like a duplicate")
    held = await comment(api, author, first, f"Call me on 07700 900123 or {NHS}")
    assert held["status"] == "pending"  # held for the personal data

    body = await queue(api, mod)
    item = next(i for i in body["items"] if i["id"] == sid and i["type"] == "submission")
    assert item["anonymous"] is True
    assert item["author"]["id"] == author.id and "@" in item["author"]["email"]
    assert item["author"]["blocked"] is False
    record = item["author_record"]
    assert (record["submissions"], record["comments"], record["rejections"]) == (2, 1, 1)
    (rejection,) = record["recent_rejections"]
    assert (rejection["id"], rejection["status_reason"]) == (old, "Off topic for this.")
    assert item["themes"] == ["Time and capacity"]
    assert item["flags"][0]["note"] == "looks like a duplicate"
    assert item["flags"][0]["reporter"]["id"] == reporter.id
    dupes = item["duplicates"]
    assert 1 <= len(dupes) <= 3
    assert [d["score"] for d in dupes] == sorted((d["score"] for d in dupes), reverse=True)
    assert all(0.2 <= d["score"] <= 1 for d in dupes)
    assert "Car parking fees" not in [d["title"] for d in dupes]
    assert all(d["id"] != sid for d in dupes)
    assert item["last_action"] is None
    talk = next(i for i in body["items"] if i["type"] == "comment")
    assert (talk["id"], talk["queued_for"], talk["flags"]) == (held["id"], ["pending"], [])
    assert talk["submission_id"] == first
    assert talk["submission_title"] == "Daily huddles on the ward"
    assert [f["kind"] for f in talk["personal_data"]] == ["phone", "nhs_number"]
    for found in talk["personal_data"]:
        assert talk["body"][found["start"]:found["end"]] == found["text"]

    # Decided, then reported again: the queue says what was decided last.
    approved = await decided(api, mod, "approve", ("submission", sid))
    assert ("submission", sid) not in await queued(api, mod)
    await flag(api, other, "submission", sid, "spam")
    item = next(i for i in (await queue(api, mod))["items"] if i["id"] == sid)
    assert item["last_action"]["id"] == approved["action"]["id"]
    assert item["last_action"]["action"] == "approve"
    assert item["last_action"]["moderator"]["id"] == mod.id


async def test_comment_duplicates(api: TestApi) -> None:
    await api.challenge()
    mod, spammer, reporter = (await api.person("moderator"), await api.person(),
                              await api.person())
    a = (await api.submit(reporter, title="One"))["id"]
    b = (await api.submit(reporter, title="Two"))["id"]
    first = (await comment(api, spammer, a, "Buy cheap watches at example shop today"))["id"]
    await comment(api, spammer, b, "Unrelated thoughts about rotas")
    again = (await comment(api, spammer, b, "Buy cheap watches at example shop today"))["id"]
    await flag(api, reporter, "comment", again, "spam")
    (item,) = (await queue(api, mod))["items"]
    assert [(d["type"], d["id"], d["submission_id"], d["score"]) for d in item["duplicates"]
            ] == [("comment", first, a, 1.0)]


@pytest.mark.parametrize("params, status", [
    ({"cursor": "garbage!"}, 422), ({"limit": 0}, 422), ({"limit": 101}, 422),
    ({"kind": "poem"}, 422), ({"flag_reason": "rude"}, 422), ({"type": "vote"}, 422),
    ({"challenge": "nope"}, 404),
])
async def test_queue_bad_input(api: TestApi, params: dict[str, Any], status: int) -> None:
    mod = await api.person("moderator")
    problem(await api.http.get("/moderation/queue", params=params, headers=mod.headers), status)


async def test_log_filters_and_paging(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    await api.challenge(slug="other", moderation="pre")
    ann, bob, author = await api.person("moderator"), await api.person("admin"), await api.person()
    here = [(await api.submit(author, title=f"Here {i}"))["id"] for i in range(3)]
    there = (await api.submit(author, slug="other", title="There"))["id"]
    a1 = (await decided(api, ann, "approve", ("submission", here[0])))["action"]
    a2 = (await decided(api, bob, "reject", ("submission", here[1]), ("submission", there),
                        reason="Not a solution"))["action"]
    a3 = (await decided(api, ann, "hide", ("submission", here[2])))["action"]
    await undone(api, bob, a3["id"])

    async def log(**params: Any) -> list[int]:
        r = await api.http.get("/moderation/log", params=params, headers=ann.headers)
        assert r.status_code == 200, r.text
        return [a["id"] for a in r.json()["items"]]

    assert await log() == [a3["id"], a2["id"], a1["id"]]
    assert await log(moderator=ann.id) == [a3["id"], a1["id"]]
    assert await log(action="reject") == [a2["id"]]
    assert await log(challenge="other") == [a2["id"]]
    assert await log(target_type="submission", target_id=here[0]) == [a1["id"]]
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        r = await api.http.get("/moderation/log", headers=ann.headers,
                               params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        seen += [a["id"] for a in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [a3["id"], a2["id"], a1["id"]]
    entries = (await api.http.get("/moderation/log", headers=ann.headers)).json()["items"]
    hidden, rejected = entries[0], entries[1]
    assert hidden["undone_by"]["id"] == bob.id and hidden["undone_at"] is not None
    assert (rejected["reason"], rejected["moderator"]["id"]) == ("Not a solution", bob.id)
    assert rejected["targets"] == [{"type": "submission", "id": here[1]},
                                   {"type": "submission", "id": there}]
    assert rejected["challenges"] == ["change", "other"]
    assert rejected["undone_at"] is None
    for params in ({"target_type": "submission"}, {"target_id": 1}, {"cursor": "x"},
                   {"action": "delete"}, {"moderator": 0}):
        problem(await api.http.get("/moderation/log", params=params, headers=ann.headers), 422)
    problem(await api.http.get("/moderation/log", params={"challenge": "nope"},
                               headers=ann.headers), 404)
