"""Pledges, comments and reports around guide entries, moderation of entries and their
comments, and facilitators' guide actions in the audit log, undone: both databases."""

from __future__ import annotations

from typing import Any

from tests.guide_support import World, world
from tests.support import TestApi, next_march, people, problem


async def _entry(api: TestApi) -> tuple[World, dict[str, Any]]:
    w = await world(api)
    story = await w.submit()
    w.develop()
    return w, await w.shortlist(story["id"])


async def test_one_pledge_per_person_replaced_withdrawn_and_seen_by_others(
        api: TestApi) -> None:
    w, entry = await _entry(api)
    path = f"/guide/entries/{entry['id']}/pledge"
    r = await w.http.put(path, json={"note": "Ward 7 will try this"},
                         headers=w.participant.headers)
    assert r.status_code == 200 and r.json()["user"]["id"] == w.participant.id, r.text
    r = await w.http.put(path, json={"note": "Wards 7 and 8"}, headers=w.participant.headers)
    assert r.json()["note"] == "Wards 7 and 8"
    r = await w.http.put(path, json={}, headers=w.contributor.headers)  # the note is optional
    assert r.status_code == 200 and r.json()["note"] == ""
    seen = await w.entry(entry["id"], w.author)
    assert [(p["user"]["id"], p["note"]) for p in seen["pledges"]] == [
        (w.participant.id, "Wards 7 and 8"), (w.contributor.id, "")]
    assert seen["my_pledge"] is None
    assert (await w.entry(entry["id"], w.participant))["my_pledge"]["note"] == "Wards 7 and 8"
    r = await w.http.delete(path, headers=w.participant.headers)
    assert r.status_code == 204
    assert (await w.http.delete(path, headers=w.participant.headers)).status_code == 204
    seen = await w.entry(entry["id"], w.author)
    assert [p["user"]["id"] for p in seen["pledges"]] == [w.contributor.id]
    r = await w.http.put(path, json={"note": "Call 07700 900123"}, headers=w.author.headers)
    problem(r, 422, field="note")
    problem(await w.http.put(path, json={"note": "x" * 281}, headers=w.author.headers), 422,
            field="note")
    problem(await w.http.put(path, json={"note": "ok", "user_id": 1},
                             headers=w.author.headers), 422, field="user_id")


async def test_comments_on_an_entry_are_moderated_as_comments_are(api: TestApi) -> None:
    w, entry = await _entry(api)
    path = f"/guide/entries/{entry['id']}/comments"
    r = await w.http.post(path, json={"body": "We tried it: it works."},
                          headers=w.participant.headers)
    assert r.status_code == 201 and r.json()["status"] == "published", r.text
    r = await w.http.post(path, json={"body": "Ask Jo: jo@example.org"},
                          headers=w.contributor.headers)
    held = r.json()
    assert held["status"] == "pending" and "email address" in held["status_reason"]
    r = await w.http.get(path, headers=w.author.headers)
    assert [c["body"] for c in r.json()["items"]] == ["We tried it: it works."]
    r = await w.http.get(path, headers=w.contributor.headers)  # their own, held
    assert [c["status"] for c in r.json()["items"]] == ["published", "pending"]
    assert (await w.entry(entry["id"]))["comments"] == 1
    problem(await w.http.post(path, json={"body": "   "}, headers=w.author.headers), 422)
    r = await w.http.get("/moderation/queue", params={"type": "entry_comment"},
                         headers=w.moderator.headers)
    (item,) = r.json()["items"]
    assert (item["id"], item["queued_for"], item["challenge"]) == (held["id"], ["pending"],
                                                                  "change")
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "approve", "targets": [{"type": "entry_comment", "id": held["id"]}]})
    assert r.status_code == 201, r.text
    r = await w.http.get(path, headers=w.author.headers)
    assert len(r.json()["items"]) == 2


async def test_pre_moderation_holds_entry_comments(api: TestApi) -> None:
    w = await world(api, moderation="pre")
    story = await w.submit()
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "approve", "targets": [{"type": "submission", "id": story["id"]}]})
    assert r.status_code == 201, r.text
    w.develop()
    entry = await w.shortlist(story["id"])
    r = await w.http.post(f"/guide/entries/{entry['id']}/comments", json={"body": "Hi"},
                          headers=w.participant.headers)
    assert r.json()["status"] == "pending"


async def test_reports_reach_the_queue_and_enough_hide_the_entry(api: TestApi) -> None:
    w, entry = await _entry(api)
    threshold = api.settings.flag_threshold
    reporters = await people(api, threshold)
    path = f"/guide/entries/{entry['id']}/flags"
    r = await w.http.post(path, json={"reason": "off_topic", "note": "not a solution"},
                          headers=reporters[0].headers)
    assert r.status_code == 201 and r.json()["target_type"] == "entry", r.text
    problem(await w.http.post(path, json={"reason": "spam"}, headers=reporters[0].headers),
            409)
    r = await w.http.get("/moderation/queue", headers=w.moderator.headers)
    (item,) = r.json()["items"]
    assert (item["type"], item["id"], item["queued_for"]) == ("entry", entry["id"],
                                                              ["flagged"])
    assert item["flags"][0]["note"] == "not a solution" and item["kind"] == "story"
    for reporter in reporters[1:]:
        assert (await w.http.post(path, json={"reason": "spam"},
                                  headers=reporter.headers)).status_code == 201
    problem(await w.http.get(f"/guide/entries/{entry['id']}",
                             headers=w.participant.headers), 404)
    assert (await w.entry(entry["id"], w.author))["moderation_status"] == "hidden"
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "dismiss_flags", "targets": [{"type": "entry", "id": entry["id"]}]})
    assert r.status_code == 201, r.text
    assert (await w.entry(entry["id"], w.participant))["moderation_status"] == "published"
    r = await w.http.get("/moderation/queue", headers=w.moderator.headers)
    assert r.json()["items"] == []
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "reject", "reason": "no", "targets": [{"type": "entry", "id": entry["id"]}]})
    problem(r, 422, field="targets.0.type")


async def test_reports_on_entry_comments_hide_them_and_undo_brings_them_back(
        api: TestApi) -> None:
    w, entry = await _entry(api)
    r = await w.http.post(f"/guide/entries/{entry['id']}/comments", json={"body": "Spam!"},
                          headers=w.participant.headers)
    comment = r.json()
    for reporter in await people(api, api.settings.flag_threshold):
        r = await w.http.post(f"/guide/comments/{comment['id']}/flags",
                              json={"reason": "spam"}, headers=reporter.headers)
        assert r.status_code == 201, r.text
    r = await w.http.get(f"/guide/entries/{entry['id']}/comments", headers=w.author.headers)
    assert r.json()["items"] == []
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "reject", "reason": "Spam.",
        "targets": [{"type": "entry_comment", "id": comment["id"]}]})
    assert r.status_code == 201, r.text
    assert r.json()["items"][0]["status"] == "rejected"
    action = r.json()["action"]["id"]
    r = await w.http.post(f"/moderation/actions/{action}/undo", headers=w.moderator.headers)
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["status"] == "hidden"
    problem(await w.http.post(f"/guide/comments/{comment['id']}/flags",
                              json={"reason": "spam"}, headers=w.participant.headers), 409)
    problem(await w.http.post("/guide/comments/999999/flags", json={"reason": "spam"},
                              headers=w.author.headers), 404)


async def _log(w: World, entry_id: int) -> list[dict[str, Any]]:
    r = await w.http.get("/moderation/log", headers=w.moderator.headers,
                         params={"target_type": "entry", "target_id": entry_id})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_facilitator_actions_are_logged_and_undone(api: TestApi) -> None:
    w, entry = await _entry(api)
    ident = entry["id"]
    r = await w.patch(ident, w.moderator, 1, status="adopted", review_on=next_march().isoformat(),
                      lead_id=w.contributor.id, contributor_ids=[w.participant.id])
    assert r.status_code == 200, r.text
    r = await w.patch(ident, w.author, 2, body="Edited by the old lead, a contributor no more?")
    problem(r, 403)  # the lead changed: the author is no longer one of its writers
    log = await _log(w, ident)
    assert [a["action"] for a in log] == ["guide_update", "guide_shortlist"]
    assert log[0]["moderator"]["id"] == w.moderator.id and log[0]["challenges"] == ["change"]
    r = await w.http.post(f"/moderation/actions/{log[0]['id']}/undo",
                          headers=w.admin.headers)
    assert r.status_code == 200, r.text
    back = await w.entry(ident)
    assert (back["status"], back["review_on"], back["lead"]["id"], back["contributors"],
            back["version"]) == ("proposed", None, w.author.id, [], 3)
    problem(await w.http.post(f"/moderation/actions/{log[0]['id']}/undo",
                              headers=w.admin.headers), 409, "/problems/undo-refused")
    r = await w.http.delete(f"/guide/entries/{ident}", headers=w.moderator.headers)
    assert r.status_code == 204
    for who in (w.author, w.moderator):
        problem(await w.http.get(f"/guide/entries/{ident}", headers=who.headers), 404)
    problem(await w.http.delete(f"/guide/entries/{ident}", headers=w.moderator.headers), 404)
    removal = (await _log(w, ident))[0]
    assert removal["action"] == "guide_remove"
    # The shortlist cannot be undone before the removal that came after it.
    problem(await w.http.post(f"/moderation/actions/{log[1]['id']}/undo",
                              headers=w.moderator.headers), 409, "/problems/undo-refused")
    r = await w.http.post(f"/moderation/actions/{removal['id']}/undo",
                          headers=w.moderator.headers)
    assert r.status_code == 200, r.text
    assert (await w.entry(ident, w.author))["version"] == 3
    r = await w.http.post(f"/moderation/actions/{log[1]['id']}/undo",
                          headers=w.moderator.headers)
    assert r.status_code == 200, r.text  # the shortlist undone: the entry is removed
    r = await w.http.get("/challenges/change/guide/entries", headers=w.moderator.headers)
    assert r.json()["items"] == []
    r = await w.http.get("/challenges/change/guide/suggestions", headers=w.moderator.headers)
    assert entry["sources"][0] in [s["id"] for g in r.json()["items"]
                                   for s in g["submissions"]]


async def test_sources_change_by_hand_and_stay_in_one_entry(api: TestApi) -> None:
    w = await world(api)
    a, b, c = [await w.submit(title=t) for t in ("A", "B", "C")]
    hidden = await w.submit(title="Hidden")
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "hide", "targets": [{"type": "submission", "id": hidden["id"]}]})
    assert r.status_code == 201, r.text
    w.develop()
    first = await w.shortlist(a["id"])
    second = await w.shortlist(b["id"])
    r = await w.patch(first["id"], w.moderator, 1, sources=[a["id"], c["id"]])
    assert r.json()["sources"] == [a["id"], c["id"]], r.text
    problem(await w.patch(second["id"], w.moderator, 1, sources=[b["id"], c["id"]]), 409)
    problem(await w.patch(second["id"], w.moderator, 1, sources=[hidden["id"]]), 422,
            field="sources.0")
    problem(await w.patch(second["id"], w.author, 1, sources=[b["id"]]), 403)
    r = await w.http.post("/challenges/change/guide/entries",
                          json={"submission_id": c["id"]}, headers=w.moderator.headers)
    problem(r, 409)
