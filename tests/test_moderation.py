"""Moderation decisions and their undo, alone and in bulk (SQLite and PostgreSQL).

Every undo is checked against a snapshot of the database taken before the decision:
statuses, reasons, counters, scores, votes, reports and blocks all come back exactly.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.moderation_support import (
    comment,
    comment_row,
    decided,
    flag,
    open_flags,
    queued,
    snapshot,
    submission_row,
    undone,
)
from tests.support import TestApi, people, problem


async def test_approve_pending_items_and_undo(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    mod, author, talker = await api.person("moderator"), await api.person(), await api.person()
    subs = [(await api.submit(author, title=f"Held {i}"))["id"] for i in range(3)]
    admin = await api.person("admin")
    r = await api.http.patch("/challenges/change", json={"moderation": "post"},
                             headers=admin.headers)
    assert r.status_code == 200, r.text
    host = (await api.submit(author, title="Host"))["id"]
    r = await api.http.patch("/challenges/change", json={"moderation": "pre"},
                             headers=admin.headers)
    assert r.status_code == 200, r.text
    held = (await comment(api, talker, host, "Waiting"))["id"]
    assert (await submission_row(api.db, host)).comments == 0
    before = await snapshot(api.db)

    # Alone.
    one = await decided(api, mod, "approve", ("submission", subs[0]))
    assert one["items"] == [{"type": "submission", "id": subs[0], "status": "published",
                             "status_reason": None, "comments_locked": False}]
    assert one["action"]["action"] == "approve"
    assert one["action"]["moderator"]["id"] == mod.id
    assert one["action"]["targets"] == [{"type": "submission", "id": subs[0]}]
    assert one["action"]["challenges"] == ["change"]
    listed = (await api.http.get("/challenges/change/submissions")).json()["items"]
    assert [s["id"] for s in listed] == [host, subs[0]]
    # In bulk, submissions and a comment together.
    bulk = await decided(api, mod, "approve", ("submission", subs[1]), ("submission", subs[2]),
                         ("comment", held))
    assert [i["status"] for i in bulk["items"]] == ["published"] * 3
    assert (await comment_row(api.db, held)).status == "published"
    assert (await submission_row(api.db, host)).comments == 1
    assert await queued(api, mod) == []

    await undone(api, mod, bulk["action"]["id"])
    assert (await submission_row(api.db, host)).comments == 0
    assert set(await queued(api, mod)) == {("submission", subs[1]), ("submission", subs[2]),
                                           ("comment", held)}
    await undone(api, mod, one["action"]["id"])
    assert await snapshot(api.db) == before


async def test_reject_tells_the_author_and_closes_reports(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    reporters = await people(api, 2)
    sids = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(3)]
    cid = (await comment(api, author, sids[0], "Off topic"))["id"]
    await flag(api, reporters[0], "submission", sids[0], "spam", "selling things")
    await flag(api, reporters[1], "comment", cid, "off_topic")
    before = await snapshot(api.db)

    one = await decided(api, mod, "reject", ("submission", sids[0]), reason="Advertising.")
    assert one["items"][0]["status_reason"] == "Advertising."
    own = (await api.http.get(f"/submissions/{sids[0]}", headers=author.headers)).json()
    assert (own["status"], own["status_reason"]) == ("rejected", "Advertising.")
    assert (await api.http.get(f"/submissions/{sids[0]}")).status_code == 404
    assert await open_flags(api.db, "submission", sids[0]) == 0
    bulk = await decided(api, mod, "reject", ("submission", sids[1]), ("submission", sids[2]),
                         ("comment", cid), reason="Duplicates.")
    assert {i["status"] for i in bulk["items"]} == {"rejected"}
    assert (await comment_row(api.db, cid)).status_reason == "Duplicates."
    assert await open_flags(api.db, "comment", cid) == 0
    assert (await submission_row(api.db, sids[0])).comments == 0

    await undone(api, mod, bulk["action"]["id"])
    await undone(api, mod, one["action"]["id"])
    assert await snapshot(api.db) == before
    assert set(await queued(api, mod)) == {("submission", sids[0]), ("comment", cid)}


async def test_hide_and_restore_and_their_undo(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    sids = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(2)]
    cid = (await comment(api, author, sids[0]))["id"]
    before = await snapshot(api.db)

    hid = await decided(api, mod, "hide", ("submission", sids[0]), ("submission", sids[1]),
                        ("comment", cid))
    assert [i["status"] for i in hid["items"]] == ["hidden"] * 3
    assert hid["items"][0]["status_reason"] == "Hidden by a moderator."
    assert (await submission_row(api.db, sids[0])).comments == 0
    listed = (await api.http.get("/challenges/change/submissions")).json()["items"]
    assert listed == []
    after_hide = await snapshot(api.db)

    back = await decided(api, mod, "restore", ("submission", sids[1]), ("comment", cid))
    assert [i["status"] for i in back["items"]] == ["published"] * 2
    assert (await submission_row(api.db, sids[0])).comments == 1
    await undone(api, mod, back["action"]["id"])
    assert await snapshot(api.db) == after_hide
    await undone(api, mod, hid["action"]["id"])
    assert await snapshot(api.db) == before


async def test_flag_threshold_hides_until_a_moderator_decides(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    reporters = await people(api, 5)
    sid = (await api.submit(author))["id"]
    # The same person twice, and the author, do not count.
    await flag(api, reporters[0], "submission", sid)
    r = await api.http.post(f"/submissions/{sid}/flags", json={"reason": "offensive"},
                            headers=reporters[0].headers)
    problem(r, 409)
    problem(await api.http.post(f"/submissions/{sid}/flags", json={"reason": "spam"},
                                headers=author.headers), 409)
    await flag(api, reporters[1], "submission", sid, "offensive")
    assert (await submission_row(api.db, sid)).status == "published"
    await flag(api, reporters[2], "submission", sid, "other", "rude")
    assert (await submission_row(api.db, sid)).status == "hidden"
    await flag(api, mod, "submission", sid, "spam")  # moderators still see and report it
    assert (await submission_row(api.db, sid)).status == "hidden"
    (item,) = (await api.http.get("/moderation/queue", headers=mod.headers)).json()["items"]
    assert (item["status"], item["flag_count"], item["queued_for"]) == ("hidden", 4, ["flagged"])
    assert item["flag_reasons"] == {"spam": 2, "offensive": 1, "other": 1}
    assert "rude" in [f["note"] for f in item["flags"]]

    cleared = await decided(api, mod, "dismiss_flags", ("submission", sid))
    assert cleared["items"][0]["status"] == "published"
    assert await open_flags(api.db, "submission", sid) == 0
    assert await queued(api, mod) == []
    # Closed reports no longer count: two new reporters are one short again.
    await flag(api, reporters[3], "submission", sid)
    await flag(api, reporters[4], "submission", sid)
    assert (await submission_row(api.db, sid)).status == "published"
    assert await queued(api, mod) == [("submission", sid)]

    approved = await decided(api, mod, "approve", ("submission", sid))
    assert approved["items"][0]["status"] == "published"
    await undone(api, mod, approved["action"]["id"])
    assert await open_flags(api.db, "submission", sid) == 2
    r = await api.http.get("/moderation/log", params={"target_type": "submission",
                                                     "target_id": sid}, headers=mod.headers)
    assert [a["action"] for a in r.json()["items"]] == ["approve", "dismiss_flags"]


async def test_dismiss_flags_keeps_a_moderators_hide(api: TestApi) -> None:
    await api.challenge()
    mod, author = await api.person("moderator"), await api.person()
    reporter = await api.person()
    sid = (await api.submit(author))["id"]
    cid = (await comment(api, author, sid))["id"]
    await flag(api, reporter, "comment", cid)
    await decided(api, mod, "hide", ("submission", sid))
    await flag(api, mod, "submission", sid, "other")
    before = await snapshot(api.db)
    cleared = await decided(api, mod, "dismiss_flags", ("submission", sid), ("comment", cid))
    assert [i["status"] for i in cleared["items"]] == ["hidden", "published"]
    assert await open_flags(api.db, "comment", cid) == 0
    await undone(api, mod, cleared["action"]["id"])
    assert await snapshot(api.db) == before


async def test_lock_comments_and_undo(api: TestApi) -> None:
    await api.challenge()
    mod, author, talker = await api.person("moderator"), await api.person(), await api.person()
    sids = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(2)]
    before = await snapshot(api.db)
    locked = await decided(api, mod, "lock_comments", ("submission", sids[0]),
                           ("submission", sids[1]))
    assert [i["comments_locked"] for i in locked["items"]] == [True, True]
    for sid in sids:
        r = await api.http.post(f"/submissions/{sid}/comments", json={"body": "Hello?"},
                                headers=talker.headers)
        body = problem(r, 403, "/problems/comments-locked")
        assert "locked" in body["detail"]
        shown = (await api.http.get(f"/submissions/{sid}", headers=talker.headers)).json()
        assert shown["comments_locked"] is True  # so an app can say so before anyone types
    listed = (await api.http.get("/challenges/change/submissions")).json()["items"]
    assert all(item["comments_locked"] for item in listed)
    await undone(api, mod, locked["action"]["id"])
    shown = (await api.http.get(f"/submissions/{sids[0]}")).json()
    assert shown["comments_locked"] is False
    assert await snapshot(api.db) == before
    await comment(api, talker, sids[0], "Open again")


async def test_block_user_and_undo(api: TestApi) -> None:
    await api.challenge()
    mod, spammer, other = await api.person("moderator"), await api.person(), await api.person()
    sid = (await api.submit(spammer, title="Buy now"))["id"]
    cid = (await comment(api, spammer, sid, "Cheap pills"))["id"]
    keep = (await api.submit(other))["id"]
    await flag(api, other, "submission", sid)
    before = await snapshot(api.db)
    blocked = await decided(api, mod, "block_user", ("submission", sid), ("comment", cid),
                            reason="Spam account")
    assert blocked["action"]["blocked_users"] == [
        {"id": spammer.id, "display_name": blocked["action"]["blocked_users"][0]["display_name"]}]
    # The items themselves are untouched; their author is shut out.
    assert [i["status"] for i in blocked["items"]] == ["published", "published"]
    body = problem(await api.http.get("/me", headers=spammer.headers), 403)
    assert "blocked" in body["detail"]
    assert (await api.http.get("/me", headers=other.headers)).status_code == 200
    # Approving the same item later is not superseded by the block, nor the reverse.
    approved = await decided(api, mod, "approve", ("submission", sid))
    await undone(api, mod, blocked["action"]["id"])
    assert (await api.http.get("/me", headers=spammer.headers)).status_code == 200
    await undone(api, mod, approved["action"]["id"])
    assert await snapshot(api.db) == before
    assert keep != sid


AFTER = {"approve": "published", "reject": "rejected", "hide": "hidden",
         "restore": "published", "dismiss_flags": "published", "merge": "merged",
         "lock_comments": "published", "block_user": "published"}


@pytest.mark.parametrize("count", [1, 3], ids=["alone", "bulk"])
@pytest.mark.parametrize("action", list(AFTER))
async def test_each_action_and_its_undo(api: TestApi, action: str, count: int) -> None:
    await api.challenge()
    mod, reporter = await api.person("moderator"), await api.person()
    authors = await people(api, count)
    into = (await api.submit(reporter, title="Destination"))["id"]
    sids = [(await api.submit(who, title=f"Item {i}"))["id"] for i, who in enumerate(authors)]
    items = [("submission", sid) for sid in sids]
    if action in ("approve", "dismiss_flags"):
        for sid in sids:
            await flag(api, reporter, "submission", sid)
    if action == "restore":
        await decided(api, mod, "hide", *items)
    extra: dict[str, Any] = {"reason": "Because."} if action == "reject" else {}
    if action == "merge":
        extra["merge_into"] = into
    before = await snapshot(api.db)

    made = await decided(api, mod, action, *items, **extra)
    assert [i["status"] for i in made["items"]] == [AFTER[action]] * count
    after = await snapshot(api.db)
    assert after != before
    assert [after["submissions"][sid][0] for sid in sids] == [AFTER[action]] * count
    if action == "lock_comments":
        assert all(after["submissions"][sid][6] for sid in sids)
    if action == "block_user":
        assert all(after["users"][who.id] for who in authors)
        assert {u["id"] for u in made["action"]["blocked_users"]} == {w.id for w in authors}
    undone_action = (await undone(api, mod, made["action"]["id"]))["action"]
    assert undone_action["undone_by"]["id"] == mod.id
    assert await snapshot(api.db) == before
