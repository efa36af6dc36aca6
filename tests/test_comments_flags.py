"""Comments (one level of replies, paging, phases, moderation) and flags (threshold hiding)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import DAY, Person, TestApi, open_phase, people, problem

REASONS = ["spam", "offensive", "personal_data", "off_topic", "other"]


async def post_comment(api: TestApi, who: Person, sid: int, body: str = "Agreed.",
                       parent_id: int | None = None) -> httpx.Response:
    payload: dict[str, Any] = {"body": body}
    if parent_id is not None:
        payload["parent_id"] = parent_id
    return await api.http.post(f"/submissions/{sid}/comments", json=payload,
                               headers=who.headers)


async def comment(api: TestApi, who: Person, sid: int, body: str = "Agreed.",
                  parent_id: int | None = None) -> dict[str, Any]:
    r = await post_comment(api, who, sid, body, parent_id)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def listed(api: TestApi, sid: int, who: Person | None = None) -> list[int]:
    r = await api.http.get(f"/submissions/{sid}/comments", params={"limit": 100},
                           headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


async def counter(api: TestApi, sid: int, who: Person | None = None) -> int:
    r = await api.http.get(f"/submissions/{sid}", headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    count: int = r.json()["comments"]
    return count


async def flag(api: TestApi, who: Person, target: str, target_id: int,
               reason: str = "spam", note: str = "") -> httpx.Response:
    return await api.http.post(f"/{target}/{target_id}/flags",
                               json={"reason": reason, "note": note}, headers=who.headers)


async def test_comment_and_reply_one_level(api: TestApi) -> None:
    await api.challenge()
    author, me, other = await api.person(), await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    elsewhere = (await api.submit(author, title="Another"))["id"]
    top = await comment(api, me, sid, "We tried this on ward 7.")
    assert (top["submission_id"], top["parent_id"], top["body"]) == (
        sid, None, "We tried this on ward 7.")
    assert top["author"]["id"] == me.id
    assert top["status"] == "published"
    reply = await comment(api, other, sid, "How long did it take?", parent_id=top["id"])
    assert (reply["parent_id"], reply["author"]["id"]) == (top["id"], other.id)
    problem(await post_comment(api, me, sid, "Deeper", parent_id=reply["id"]), 422,
            field="parent_id")
    problem(await post_comment(api, me, elsewhere, "Wrong place", parent_id=top["id"]), 422,
            field="parent_id")
    problem(await post_comment(api, me, sid, "Nobody", parent_id=top["id"] + 1000), 422,
            field="parent_id")
    assert await listed(api, sid) == [top["id"], reply["id"]]
    assert await listed(api, elsewhere) == []
    assert await counter(api, sid) == 2
    assert await counter(api, elsewhere) == 0


async def test_comments_oldest_first_with_keyset_paging(api: TestApi) -> None:
    await api.challenge()
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    made = [(await comment(api, me if i % 2 else author, sid, f"Point {i}"))["id"]
            for i in range(7)]
    assert await listed(api, sid) == made
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        r = await api.http.get(f"/submissions/{sid}/comments", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 3
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    assert await counter(api, sid) == len(made)
    problem(await api.http.get(f"/submissions/{sid}/comments", params={"cursor": "garbage!"}),
            422, field="cursor")
    problem(await api.http.get(f"/submissions/{sid}/comments", params={"limit": 0}), 422)


async def test_closed_comment_phase(api: TestApi) -> None:
    await api.challenge(slug="quiet", phases=[open_phase(comments=False)])
    await api.challenge(phases=[open_phase()])
    author, me = await api.person(), await api.person()
    shut = (await api.submit(author, slug="quiet"))["id"]
    sid = (await api.submit(author))["id"]
    problem(await post_comment(api, me, shut), 403, type_="/problems/phase-closed")
    assert await listed(api, shut) == []
    await comment(api, me, sid)
    api.clock.advance(6 * DAY)  # no phase is current any more
    problem(await post_comment(api, me, sid), 403, type_="/problems/phase-closed")
    assert await counter(api, sid) == 1
    assert len(await listed(api, sid)) == 1  # reading stays open


async def test_pre_moderation_comments_wait(api: TestApi) -> None:
    admin = await api.person("admin")
    await api.challenge(admin)
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    r = await api.http.patch("/challenges/change", json={"moderation": "pre"},
                             headers=admin.headers)
    assert r.status_code == 200, r.text
    held = await comment(api, me, sid, "Please check this first.")
    assert held["status"] == "pending"
    for who in (None, author):
        assert await listed(api, sid, who) == []
    assert await listed(api, sid, me) == [held["id"]]  # its author sees it, as pending
    assert await counter(api, sid) == 0
    mod = await api.person("moderator")
    r = await api.http.post("/moderation/decisions", headers=mod.headers, json={
        "targets": [{"type": "comment", "id": held["id"]}], "action": "reject",
        "reason": "Names a patient."})
    assert r.status_code == 201, r.text
    mine = (await api.http.get(f"/submissions/{sid}/comments", headers=me.headers)).json()
    assert [(c["status"], c["status_reason"]) for c in mine["items"]] == [
        ("rejected", "Names a patient.")]
    assert await listed(api, sid, author) == []


async def test_comment_body_limits(api: TestApi) -> None:
    await api.challenge()
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    problem(await post_comment(api, me, sid, "x" * 4001), 422, field="body")
    for blank in ("", "   ", "\n\t "):
        problem(await post_comment(api, me, sid, blank), 422, field="body")
    problem(await api.http.post(f"/submissions/{sid}/comments",
                                json={"body": "ok", "status": "published"},
                                headers=me.headers), 422)
    assert await listed(api, sid) == []
    longest = await comment(api, me, sid, "y" * 4000)
    assert len(longest["body"]) == 4000
    problem(await api.http.post(f"/submissions/{sid}/comments", json={"body": "Hi"}), 401)
    problem(await post_comment(api, me, sid + 1000), 404)


async def test_every_flag_reason_is_accepted(api: TestApi) -> None:
    await api.challenge()
    author, me = await api.person(), await api.person()
    sids = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(len(REASONS))]
    host = (await api.submit(author, title="Host"))["id"]
    cids = [(await comment(api, author, host, f"Comment {i}"))["id"] for i in range(len(REASONS))]
    for reason, sid, cid in zip(REASONS, sids, cids, strict=True):
        for target, tid in (("submissions", sid), ("comments", cid)):
            r = await flag(api, me, target, tid, reason, note=f"about {reason}")
            assert r.status_code == 201, r.text
            body = r.json()
            assert (body["target_type"], body["target_id"]) == (target[:-1], tid)
            assert (body["reason"], body["note"]) == (reason, f"about {reason}")
    # One report by one person hides nothing.
    assert await listed(api, host) == cids
    assert (await api.http.get(f"/submissions/{sids[0]}", headers=me.headers)
            ).status_code == 200


async def test_flag_twice_and_unknown_reason(api: TestApi) -> None:
    await api.challenge()
    author, me = await api.person(), await api.person()
    sid = (await api.submit(author))["id"]
    cid = (await comment(api, author, sid))["id"]
    for target, tid in (("submissions", sid), ("comments", cid)):
        assert (await flag(api, me, target, tid, "spam")).status_code == 201
        problem(await flag(api, me, target, tid, "offensive"), 409)
        problem(await flag(api, me, target, tid, "rude"), 422, field="reason")
        problem(await api.http.post(f"/{target}/{tid}/flags", json={"reason": "spam"}), 401)
        problem(await flag(api, me, target, tid + 1000), 404)


async def test_flag_threshold_hides_a_submission(api: TestApi) -> None:
    await api.challenge()
    author, reader = await api.person(), await api.person()
    threshold = api.settings.flag_threshold
    assert threshold == 3  # the default
    flaggers = await people(api, threshold)
    sid = (await api.submit(author))["id"]
    kept = (await api.submit(author, title="Kept"))["id"]

    async def state() -> tuple[list[int], int]:
        r = await api.http.get("/challenges/change/submissions", headers=reader.headers)
        seen = await api.http.get(f"/submissions/{sid}", headers=reader.headers)
        return [s["id"] for s in r.json()["items"]], seen.status_code

    for who, reason in zip(flaggers[:-1], REASONS, strict=False):
        assert (await flag(api, who, "submissions", sid, reason)).status_code == 201
    assert await state() == ([kept, sid], 200)  # one report short: still there
    assert (await flag(api, flaggers[-1], "submissions", sid, "other")).status_code == 201
    assert await state() == ([kept], 404)
    problem(await api.http.get(f"/submissions/{sid}"), 404)
    # Its author still sees it, held.
    own = await api.http.get(f"/submissions/{sid}", headers=author.headers)
    assert own.status_code == 200 and own.json()["status"] == "hidden"


async def test_flag_threshold_hides_a_comment(api: TestApi) -> None:
    await api.challenge()
    author, talker = await api.person(), await api.person()
    flaggers = await people(api, api.settings.flag_threshold)
    sid = (await api.submit(author))["id"]
    first = (await comment(api, talker, sid, "Fine"))["id"]
    bad = (await comment(api, talker, sid, "Patient details here"))["id"]
    assert await counter(api, sid) == 2
    for who in flaggers[:-1]:
        assert (await flag(api, who, "comments", bad, "personal_data")).status_code == 201
    assert await listed(api, sid) == [first, bad]
    assert await counter(api, sid) == 2
    assert (await flag(api, flaggers[-1], "comments", bad, "spam")).status_code == 201
    assert await listed(api, sid) == [first]
    assert await counter(api, sid) == 1
