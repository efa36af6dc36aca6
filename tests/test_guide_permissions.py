"""Who may do what in the develop stage: every path for every role (anonymous,
participant, contributor, lead, moderator, admin), with the develop phase open and
closed, on both databases. A mismatch is reported with every other one, as a table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.guide_support import World, world
from tests.support import Person, TestApi

ROLES = ("anonymous", "participant", "contributor", "lead", "moderator", "admin")
PHASE = "/problems/phase-closed"


def row(*codes: int | str) -> dict[str, int | str]:
    return dict(zip(ROLES, codes, strict=True))


# Expected answers: a status, or "403 phase" for the closed-phase problem.
OPEN = {
    "suggestions": row(401, 403, 403, 403, 200, 200),
    "shortlist": row(401, 403, 403, 403, 201, 201),
    "list": row(401, 200, 200, 200, 200, 200),
    "get": row(401, 200, 200, 200, 200, 200),
    "edit text": row(401, 403, 200, 200, 200, 200),
    "edit status": row(401, 403, 403, 403, 200, 200),
    "history": row(401, 403, 200, 200, 200, 200),
    "version": row(401, 403, 200, 200, 200, 200),
    "pledge": row(401, 200, 200, 200, 200, 200),
    "withdraw pledge": row(401, 204, 204, 204, 204, 204),
    "comments": row(401, 200, 200, 200, 200, 200),
    "comment": row(401, 201, 201, 201, 201, 201),
    "flag entry": row(401, 201, 409, 409, 409, 409),
    "flag comment": row(401, 409, 201, 201, 201, 201),  # the participant wrote it
    # The moderator removed it: it is gone for the admin too (the audit log undoes it).
    "remove": row(401, 403, 403, 403, 204, 404),
}
CLOSED = {
    **OPEN,
    "get": row(401, 403, 200, 200, 200, 200),
    "edit text": row(401, 403, "403 phase", "403 phase", "403 phase", "403 phase"),
    "pledge": row(401, 403, "403 phase", "403 phase", "403 phase", "403 phase"),
    "withdraw pledge": row(401, 403, "403 phase", "403 phase", "403 phase", "403 phase"),
    "comments": row(401, 403, 200, 200, 200, 200),
    "comment": row(401, 403, "403 phase", "403 phase", "403 phase", "403 phase"),
    "flag entry": row(401, 403, 409, 409, 409, 409),
    "flag comment": row(401, 403, 201, 201, 201, 201),
}

Call = Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[httpx.Response]]


async def _scene(api: TestApi, develop: bool) -> tuple[World, dict[str, Person | None],
                                                        dict[str, Any]]:
    w = await world(api)
    stories = [await w.submit(title=f"Story {i}") for i in range(3)]
    w.develop()
    entry = await w.shortlist(stories[0]["id"])  # lead: the author
    await w.add_contributor(entry["id"], w.contributor)
    r = await w.http.post(f"/guide/entries/{entry['id']}/comments", json={"body": "Hi"},
                          headers=w.participant.headers)
    assert r.status_code == 201, r.text
    if not develop:
        w.close()
    who = {"anonymous": None, "participant": w.participant, "contributor": w.contributor,
           "lead": w.author, "moderator": w.moderator, "admin": w.admin}
    facts = {"entry": entry["id"], "comment": r.json()["id"],
             "spare": [s["id"] for s in stories[1:]]}
    return w, who, facts


def _calls(w: World, facts: dict[str, Any]) -> dict[str, Call]:
    entry = f"/guide/entries/{facts['entry']}"
    spare = list(facts["spare"])

    async def version() -> str:
        return str((await w.entry(facts["entry"]))["version"])

    async def edit(http: httpx.AsyncClient, h: dict[str, str], **fields: Any) -> httpx.Response:
        return await http.patch(entry, json=fields, headers={**h, "If-Match": await version()})

    async def shortlist(http: httpx.AsyncClient, h: dict[str, str]) -> httpx.Response:
        target = spare[0]
        r = await http.post("/challenges/change/guide/entries",
                            json={"submission_id": target}, headers=h)
        if r.status_code == 201:
            spare.pop(0)
        return r

    return {
        "suggestions": lambda http, h: http.get("/challenges/change/guide/suggestions",
                                                headers=h),
        "shortlist": shortlist,
        "list": lambda http, h: http.get("/challenges/change/guide/entries", headers=h),
        "get": lambda http, h: http.get(entry, headers=h),
        "edit text": lambda http, h: edit(http, h, body="New text."),
        "edit status": lambda http, h: edit(http, h, status="testing"),
        "history": lambda http, h: http.get(f"{entry}/versions", headers=h),
        "version": lambda http, h: http.get(f"{entry}/versions/1", headers=h),
        "pledge": lambda http, h: http.put(f"{entry}/pledge", json={"note": "We will"},
                                           headers=h),
        "withdraw pledge": lambda http, h: http.delete(f"{entry}/pledge", headers=h),
        "comments": lambda http, h: http.get(f"{entry}/comments", headers=h),
        "comment": lambda http, h: http.post(f"{entry}/comments", json={"body": "Good."},
                                             headers=h),
        "flag entry": lambda http, h: http.post(f"{entry}/flags", json={"reason": "other"},
                                                headers=h),
        "flag comment": lambda http, h: http.post(
            f"/guide/comments/{facts['comment']}/flags", json={"reason": "spam"}, headers=h),
        "remove": lambda http, h: http.delete(entry, headers=h),
    }


def _answer(r: httpx.Response) -> int | str:
    if r.status_code == 403 and r.json().get("type") == PHASE:
        return "403 phase"
    return r.status_code


@pytest.mark.parametrize("develop", [True, False], ids=["develop open", "develop closed"])
async def test_every_path_for_every_role(api: TestApi, develop: bool) -> None:
    w, who, facts = await _scene(api, develop)
    calls = _calls(w, facts)
    expected = OPEN if develop else CLOSED
    # The flag threshold would hide the entry part-way: count each role's report only.
    api.settings.flag_threshold = 100
    wrong = []
    for path, call in calls.items():
        for role in ROLES:
            person = who[role]
            r = await call(api.http, person.headers if person else {})
            got = _answer(r)
            if got != expected[path][role]:
                wrong.append(f"{path:16} {role:12} expected {expected[path][role]}, got "
                             f"{got}: {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


async def test_once_published_the_guide_is_read_by_everyone(api: TestApi) -> None:
    w, who, facts = await _scene(api, develop=False)
    r = await w.http.put("/challenges/change/guide/publication", json={"published": True},
                         headers=w.admin.headers)
    assert r.status_code == 200, r.text
    entry = f"/guide/entries/{facts['entry']}"
    for person in (None, w.participant):
        headers = person.headers if person else {}
        assert (await w.http.get(entry, headers=headers)).status_code == 200
        r = await w.http.get("/challenges/change/guide/entries", headers=headers)
        assert [e["id"] for e in r.json()["items"]] == [facts["entry"]]
        assert (await w.http.get(f"{entry}/comments", headers=headers)).status_code == 200
        # Reading, not editing: history stays with the entry's people.
        assert (await w.http.get(f"{entry}/versions", headers=headers)).status_code in (401, 403)
    # A hidden entry is not part of what was published.
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "hide", "targets": [{"type": "entry", "id": facts["entry"]}]})
    assert r.status_code == 201, r.text
    assert (await w.http.get(entry)).status_code == 404
    assert (await w.http.get(entry, headers=w.contributor.headers)).status_code == 200
    assert who["anonymous"] is None
