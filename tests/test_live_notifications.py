"""Notifications (listed, read, never of your own action) and the hub's bound on a
subscriber that does not keep up, in-process."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI

from server.config import Settings
from server.live_hub import Subscriber
from server.live_view import Viewer
from server.routes.events import _frames
from server.security import hash_token
from tests.live_support import WAIT
from tests.support import TestApi, problem


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], events_queue_size=2, events_counts_seconds=0)


async def test_notifications_are_listed_and_marked_read(api: TestApi) -> None:
    await api.challenge()
    bob, cat = await api.person(), await api.person()
    made = await api.submit(bob, title="Rota swaps")
    own = await api.http.post(f"/submissions/{made['id']}/comments", json={"body": "mine"},
                              headers=bob.headers)
    assert own.status_code == 201
    for text in ("first", "second"):
        r = await api.http.post(f"/submissions/{made['id']}/comments", json={"body": text},
                                headers=cat.headers)
        assert r.status_code == 201
    page = (await api.http.get("/me/notifications", headers=bob.headers)).json()
    assert page["unread"] == 2 and [n["kind"] for n in page["items"]] == ["comment", "comment"]
    newest, older = page["items"]
    assert newest["id"] > older["id"] and newest["submission_title"] == "Rota swaps"
    assert newest["actor"]["id"] == cat.id and newest["read"] is False
    first = (await api.http.get("/me/notifications", params={"limit": 1},
                                headers=bob.headers)).json()
    rest = (await api.http.get("/me/notifications", headers=bob.headers,
                               params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert [first["items"][0]["id"], rest["items"][0]["id"]] == [newest["id"], older["id"]]
    r = await api.http.post("/me/notifications/read", json={"up_to": older["id"]},
                            headers=bob.headers)
    assert r.json() == {"unread": 1}
    unread = (await api.http.get("/me/notifications", params={"unread": "true"},
                                 headers=bob.headers)).json()
    assert [n["id"] for n in unread["items"]] == [newest["id"]]
    # cat's notifications are cat's: none, and bob's "read" does not reach them
    assert (await api.http.get("/me/notifications", headers=cat.headers)).json() == {
        "items": [], "next_cursor": None, "unread": 0}
    problem(await api.http.get("/me/notifications"), 401)
    problem(await api.http.post("/me/notifications/read", json={"up_to": -1},
                                headers=bob.headers), 422)


async def test_merges_and_shortlists_tell_authors_and_supporters(api: TestApi) -> None:
    admin = await api.person("admin")
    await api.challenge(admin)
    bob, ann, mod = await api.person(), await api.person(), await api.person("moderator")
    source, dest = await api.submit(bob, title="Source"), await api.submit(ann, title="Dest")
    r = await api.http.put(f"/submissions/{source['id']}/vote", json={"value": 1},
                           headers=ann.headers)
    assert r.status_code == 200
    r = await api.http.post("/moderation/decisions", headers=mod.headers, json={
        "action": "merge", "merge_into": dest["id"],
        "targets": [{"type": "submission", "id": source["id"]}]})
    assert r.status_code == 201, r.text
    bobs = (await api.http.get("/me/notifications", headers=bob.headers)).json()["items"]
    assert [(n["kind"], n["into"]) for n in bobs] == [("merged", dest["id"])]
    anns = (await api.http.get("/me/notifications", headers=ann.headers)).json()["items"]
    assert [(n["kind"], n["submission_id"]) for n in anns] == [
        ("supported_merged", source["id"])]
    r = await api.http.post("/challenges/change/guide/entries", headers=admin.headers,
                            json={"submission_id": dest["id"]})
    assert r.status_code == 201, r.text
    anns = (await api.http.get("/me/notifications", headers=ann.headers)).json()["items"]
    assert [n["kind"] for n in anns] == ["shortlisted", "supported_merged"]
    assert anns[0]["submission_id"] == dest["id"] and anns[0]["actor"] is None
    bobs = (await api.http.get("/me/notifications", headers=bob.headers)).json()["items"]
    assert [n["kind"] for n in bobs] == ["merged"]  # he did not support the destination
    mods = (await api.http.get("/me/notifications", headers=mod.headers)).json()
    assert mods["items"] == []


async def test_a_subscriber_that_falls_behind_gets_a_reset_and_is_dropped(
        app: FastAPI, api: TestApi) -> None:
    hub = app.state.services.live
    await api.challenge()
    bob, ann = await api.person(), await api.person()
    sub, _ = await hub.subscribe(Viewer(ann.id, "participant"), hash_token(ann.token), None,
                                 None)
    assert isinstance(sub, Subscriber)
    for i in range(3):  # the queue holds two; nobody reads it
        await api.submit(bob, title=f"Item {i}")
    await asyncio.wait_for(sub.ended.wait(), WAIT)
    assert sub.closed == "slow_consumer"
    frames = [f async for f in _frames(hub, sub, None, 1.0)]
    assert len(frames) == 1 and b"event: reset" in frames[0]
    assert b'"slow_consumer"' in frames[0]
    assert sub not in hub.subscribers
