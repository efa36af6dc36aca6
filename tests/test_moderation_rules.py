"""The rules around decisions: conflicts between moderators, undo order, and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.moderation_support import (
    comment,
    decide,
    decided,
    flag,
    snapshot,
    submission_row,
    undo,
    undone,
)
from tests.support import LiveServer, Person, TestApi, add_users, bearer, challenge_spec, problem

CONFLICT = "/problems/decision-conflict"
UNDO_REFUSED = "/problems/undo-refused"


async def named(api: TestApi, who: Person) -> str:
    name: str = (await api.http.get("/me", headers=who.headers)).json()["display_name"]
    return name


async def test_second_moderator_gets_409_naming_the_first(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    first, second = await api.person("moderator"), await api.person("admin")
    author = await api.person()
    sid = (await api.submit(author))["id"]
    other = (await api.submit(author, title="Other"))["id"]
    action = (await decided(api, first, "approve", ("submission", sid)))["action"]
    who = await named(api, first)

    # The state no longer allows it: the problem names the decision that changed it.
    for verb in ("approve", "restore"):
        body = problem(await decide(api, second, verb, ("submission", sid)), 409, CONFLICT)
        assert f"(action {action['id']})" in body["detail"]
        assert who in body["detail"] and "approved" in body["detail"]
        assert body["errors"][0]["field"] == "targets.0"
    # Allowed by the state, but the second moderator decided on a stale view.
    r = await decide(api, second, "reject", ("submission", other), ("submission", sid),
                     seen=0, reason="Not relevant")
    body = problem(r, 409, CONFLICT)
    assert [e["field"] for e in body["errors"]] == ["targets.1"]
    assert f"(action {action['id']})" in body["errors"][0]["message"]
    # Nothing was done: all or nothing.
    assert (await submission_row(api.db, other)).status == "pending"
    # With the decision seen, it goes through.
    r = await decide(api, second, "reject", ("submission", sid), seen=action["id"],
                     reason="Second thoughts")
    assert r.status_code == 201, r.text
    # An undone decision is no longer the one seen.
    await undone(api, second, r.json()["action"]["id"])
    body = problem(await decide(api, first, "hide", ("submission", sid),
                                seen=r.json()["action"]["id"]), 409, CONFLICT)
    assert "undone" in body["detail"]


@pytest.mark.parametrize("actions, seen", [
    (("approve", "reject"), 0),  # what the queue showed: no decision yet
    (("approve", "approve"), None),  # the state alone refuses the second
])
async def test_concurrent_decisions_over_http(live: LiveServer, database_url: str,
                                              actions: tuple[str, str],
                                              seen: int | None) -> None:
    (admin,) = await add_users(database_url, 1, role="admin", prefix="admin")
    mods = await add_users(database_url, 2, role="moderator", prefix="mod")
    (author,) = await add_users(database_url, 1, prefix="author")
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=60) as http:
        r = await http.post("/challenges", json=challenge_spec(moderation="pre"),
                            headers=bearer(admin[1]))
        assert r.status_code == 201, r.text
        sids = []
        for i in range(5):
            r = await http.post("/challenges/change/submissions", headers=bearer(author[1]),
                                json={"kind": "idea", "title": f"Idea {i}", "body": "Try."})
            sids.append(r.json()["id"])

        async def decide_as(token: str, action: str) -> httpx.Response:
            extra: dict[str, Any] = {"reason": "No."} if action == "reject" else {}
            found = [{"type": "submission", "id": s,
                      **({"seen_action": seen} if seen is not None else {})} for s in sids]
            return await http.post("/moderation/decisions", headers=bearer(token), json={
                "targets": found, "action": action, **extra})

        answers = await asyncio.gather(decide_as(mods[0][1], actions[0]),
                                       decide_as(mods[1][1], actions[1]))
        log = (await http.get("/moderation/log", headers=bearer(admin[1]))).json()["items"]
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 201).json()["action"]
    lost = next(a for a in answers if a.status_code == 409).json()
    assert lost["type"] == CONFLICT
    assert len(lost["errors"]) == len(sids)
    assert all(f"(action {won['id']})" in e["message"] for e in lost["errors"])
    assert [a["id"] for a in log] == [won["id"]]


async def test_undo_twice_and_superseded(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    mod, other = await api.person("moderator"), await api.person("moderator")
    author = await api.person()
    sid = (await api.submit(author))["id"]
    before = await snapshot(api.db)
    approve = (await decided(api, mod, "approve", ("submission", sid)))["action"]
    hide = (await decided(api, other, "hide", ("submission", sid)))["action"]
    lock = (await decided(api, other, "lock_comments", ("submission", sid)))["action"]

    body = problem(await undo(api, mod, approve["id"]), 409, UNDO_REFUSED)
    assert f"(action {hide['id']})" in body["detail"] and "undo that one first" in body["detail"]
    assert await named(api, other) in body["detail"]
    # The lock changed another part of the item: it does not stand in the way.
    await undone(api, mod, hide["id"])
    first = await undone(api, other, approve["id"])
    assert first["action"]["undone_by"]["id"] == other.id
    assert first["action"]["undone_at"] is not None
    body = problem(await undo(api, mod, approve["id"]), 409, UNDO_REFUSED)
    assert "already undone" in body["detail"] and await named(api, other) in body["detail"]
    await undone(api, mod, lock["id"])
    assert await snapshot(api.db) == before
    problem(await undo(api, mod, 999_999), 404)
    problem(await undo(api, mod, 0), 422)
    problem(await undo(api, mod, 2**40), 422)


async def test_undo_refused_after_the_author_changed_it(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    reporter = await api.person()
    sid = (await api.submit(author))["id"]
    await flag(api, reporter, "submission", sid)
    action = (await decided(api, mod, "approve", ("submission", sid)))["action"]
    assert (await api.http.delete(f"/submissions/{sid}", headers=author.headers)
            ).status_code == 204
    body = problem(await undo(api, mod, action["id"]), 409, UNDO_REFUSED)
    assert "withdrawn" in body["detail"]


@pytest.mark.parametrize("body, field", [
    ({"targets": [{"type": "submission", "id": 1}], "action": "delete"}, "action"),
    ({"targets": [], "action": "approve"}, "targets"),
    ({"targets": [{"type": "vote", "id": 1}], "action": "approve"}, "targets.0.type"),
    ({"targets": [{"type": "submission", "id": 0}], "action": "approve"}, "targets.0.id"),
    ({"targets": [{"type": "submission", "id": 2**31}], "action": "approve"}, "targets.0.id"),
    ({"targets": [{"type": "submission", "id": i} for i in range(1, 502)],
      "action": "approve"}, "targets"),
    ({"targets": [{"type": "submission", "id": 1}], "action": "approve", "score": 1}, "score"),
    ({"targets": [{"type": "submission", "id": 1, "seen_action": -1}], "action": "approve"},
     "targets.0.seen_action"),
    ({"targets": [{"type": "submission", "id": 1}], "action": "approve", "reason": "x" * 1001},
     "reason"),
])
async def test_bad_requests_are_422(api: TestApi, body: dict[str, Any], field: str) -> None:
    mod = await api.person("moderator")
    found = problem(await api.http.post("/moderation/decisions", json=body,
                                        headers=mod.headers), 422)
    assert field in [e["field"] for e in found["errors"]], found


async def test_bad_targets_are_named(api: TestApi) -> None:
    await api.challenge()
    await api.challenge(slug="elsewhere")
    mod, author, staff = await api.person("moderator"), await api.person(), await api.person(
        "admin")
    sid = (await api.submit(author))["id"]
    two = (await api.submit(author, title="Two"))["id"]
    away = (await api.submit(author, slug="elsewhere"))["id"]
    cid = (await comment(api, author, sid))["id"]
    staff_post = (await api.submit(staff, title="Staff"))["id"]
    before = await snapshot(api.db)

    async def refused(action: str, *items: tuple[str, int], field: str, text: str,
                      **extra: Any) -> None:
        body = problem(await decide(api, mod, action, *items, **extra), 422)
        messages = {e["field"]: e["message"] for e in body["errors"]}
        assert field in messages, body
        assert text in messages[field], body

    await refused("approve", ("submission", sid), ("submission", 999_999),
                  field="targets.1", text="no such submission 999999")
    await refused("hide", ("comment", 999_999), field="targets.0", text="no such comment")
    await refused("approve", ("submission", sid), ("submission", sid), field="targets.1",
                  text="twice")
    await refused("merge", ("submission", sid), field="merge_into", text="required")
    await refused("merge", ("submission", sid), field="merge_into", text="itself",
                  merge_into=sid)
    await refused("merge", ("submission", sid), field="merge_into", text="no such",
                  merge_into=999_999)
    await refused("merge", ("submission", two), ("submission", away), field="targets.1",
                  text="another challenge", merge_into=sid)
    await refused("merge", ("comment", cid), field="targets.0.type", text="submissions only",
                  merge_into=sid)
    await refused("approve", ("submission", sid), field="merge_into", text="only for merge",
                  merge_into=two)
    await refused("lock_comments", ("comment", cid), field="targets.0.type",
                  text="submissions only")
    await refused("reject", ("submission", sid), field="reason", text="required")
    await refused("reject", ("submission", sid), field="reason", text="required", reason="  ")
    await refused("block_user", ("submission", sid), ("submission", staff_post),
                  field="targets.1", text="only participants")
    assert await snapshot(api.db) == before
    # Participants and anonymous callers never reach the checks.
    problem(await decide(api, author, "approve", ("submission", sid)), 403)
    r = await api.http.post("/moderation/decisions", json={
        "targets": [{"type": "submission", "id": sid}], "action": "approve"})
    problem(r, 401)


async def test_state_conflicts_without_an_earlier_decision(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    sid = (await api.submit(author))["id"]
    body = problem(await decide(api, mod, "approve", ("submission", sid)), 409, CONFLICT)
    assert "published with no open reports" in body["detail"]
    body = problem(await decide(api, mod, "dismiss_flags", ("submission", sid)), 409, CONFLICT)
    assert "open reports" in body["detail"]
    assert (await api.http.delete(f"/submissions/{sid}", headers=author.headers)
            ).status_code == 204
    body = problem(await decide(api, mod, "hide", ("submission", sid)), 409, CONFLICT)
    assert "withdrawn" in body["detail"]


async def test_idempotent_retry_of_a_decision(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    mod, author = await api.person("moderator"), await api.person()
    sid = (await api.submit(author))["id"]
    payload = {"targets": [{"type": "submission", "id": sid}], "action": "approve"}
    headers = {**mod.headers, "Idempotency-Key": "decide-1"}
    first = await api.http.post("/moderation/decisions", json=payload, headers=headers)
    again = await api.http.post("/moderation/decisions", json=payload, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    r = await api.http.get("/moderation/log", headers=mod.headers)
    assert len(r.json()["items"]) == 1
