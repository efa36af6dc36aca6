"""While the phase hides counts nobody sees them, moderators and admins included, except
through reveal-counts, which the audit log records (issue 15). Live server, both DBs."""

from __future__ import annotations

import csv
import io

import pytest

from client import ChallengeClient, Conflict, Forbidden
from client.ranking import wilson_lower_bound
from tests.support import LiveServer, Person, TestApi, open_phase, problem
from tests.test_groups import LIST, NURSES, grouped, remote, vote

__all__ = ["remote"]  # the fixture, used here too

COUNTS = ("up", "down", "score", "wins", "losses", "pairwise_score", "bridging", "groups")


async def test_hidden_counts_are_hidden_from_everyone(remote: TestApi) -> None:
    api = remote
    admin = await api.person("admin")
    await api.challenge(admin, phases=[open_phase(show_counts=False)])
    moderator, author = await api.person("moderator"), await api.person()
    sid = (await api.submit(author))["id"]
    voters = await grouped(api, NURSES, 5)
    for who in voters:
        await vote(api, who, sid, 1)
    r = await api.http.put(f"/submissions/{sid}/vote", json={"value": 1},
                           headers=moderator.headers)
    assert r.json()["up"] is None and r.json()["score"] is None
    viewers: list[Person | None] = [voters[0], author, moderator, admin, None]
    for viewer in viewers:
        headers = viewer.headers if viewer else {}
        (item,) = (await api.http.get(LIST, headers=headers)).json()["items"]
        one = (await api.http.get(f"/submissions/{sid}", headers=headers)).json()
        for shown in (item, one):
            assert all(shown.get(name) is None for name in COUNTS), shown
        for sort in ("top", "bridging"):
            problem(await api.http.get(LIST, params={"sort": sort}, headers=headers), 403,
                    type_="/problems/counts-hidden")
    for staff in (moderator, admin):
        exported = (await api.http.get("/challenges/change/export",
                                        params={"format": "csv"}, headers=staff.headers)).text
        (row,) = [r for r in csv.DictReader(io.StringIO(exported)) if r["type"] == "submission"]
        assert (row["up"], row["down"], row["score"]) == ("", "", "")
        problem(await api.http.get("/challenges/change/export", params={"format": "markdown"},
                                   headers=staff.headers), 403, type_="/problems/counts-hidden")
    flagged = await api.http.post(f"/submissions/{sid}/flags", headers=voters[0].headers,
                                  json={"reason": "spam"})
    assert flagged.status_code == 201, flagged.text
    queue = (await api.http.get("/moderation/queue", headers=moderator.headers)).json()
    assert [(i["id"], i["up"], i["down"]) for i in queue["items"]] == [(sid, None, None)]

    # The phase shows counts again: everyone sees them, the groups' too.
    r = await api.http.patch("/challenges/change", headers=admin.headers,
                             json={"phases": [open_phase()]})
    assert r.status_code == 200
    one = (await api.http.get(f"/submissions/{sid}", headers=moderator.headers)).json()
    assert (one["up"], one["score"]) == (6, wilson_lower_bound(6, 0))
    assert one["groups"] == [{"group": NURSES, "up": 5, "down": 0}]


async def test_reveal_counts_is_audited_and_for_moderators_only(remote: TestApi,
                                                                live: LiveServer) -> None:
    api = remote
    await api.challenge(phases=[open_phase(show_counts=False)])
    moderator, participant = await api.person("moderator"), await api.person()
    sids = [(await api.submit(participant, title=f"Idea {i}"))["id"] for i in range(2)]
    voters = await grouped(api, NURSES, 5)
    for who in voters:
        await vote(api, who, sids[0], 1)
    await vote(api, voters[0], sids[1], -1)
    body = {"challenge": "change", "reason": "Checking for a vote-stuffing report"}
    problem(await api.http.post("/moderation/reveal-counts", json=body,
                                headers=participant.headers), 403)
    problem(await api.http.post("/moderation/reveal-counts", json=body), 401)
    problem(await api.http.post("/moderation/reveal-counts", headers=moderator.headers,
                                json={**body, "reason": "  "}), 422, field="reason")
    problem(await api.http.post("/moderation/reveal-counts", headers=moderator.headers,
                                json={**body, "challenge": "nope"}), 404)
    log = (await api.http.get("/moderation/log", headers=moderator.headers)).json()
    assert log["items"] == []  # refusals leave no trace: nothing was shown

    async with ChallengeClient(live.url, token=moderator.token) as client:
        shown = await client.reveal_counts("change", body["reason"])
        with pytest.raises(Conflict):
            await client.undo_action(shown.action.id)
    async with ChallengeClient(live.url, token=participant.token) as client:
        with pytest.raises(Forbidden):
            await client.reveal_counts("change", body["reason"])
    assert shown.challenge == "change"
    assert [(i.id, i.up, i.down) for i in shown.items] == [(sids[1], 0, 1), (sids[0], 5, 0)]
    assert shown.items[1].score == wilson_lower_bound(5, 0)
    assert shown.items[1].bridging == (5 + 1) / (5 + 2)
    assert (shown.action.action, shown.action.reason) == ("reveal_counts", body["reason"])
    assert [(t.type, t.id) for t in shown.action.targets] == [
        ("challenge", shown.action.targets[0].id)]
    log = (await api.http.get("/moderation/log", params={"action": "reveal_counts"},
                              headers=moderator.headers)).json()
    (entry,) = log["items"]
    assert (entry["id"], entry["moderator"]["id"], entry["reason"], entry["challenges"]) == (
        shown.action.id, moderator.id, body["reason"], ["change"])
    # Still hidden everywhere else, the revealer included.
    one = (await api.http.get(f"/submissions/{sids[0]}", headers=moderator.headers)).json()
    assert one["up"] is None and one["groups"] is None
