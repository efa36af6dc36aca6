"""An edit in a pre-moderated challenge goes back to the queue; post-moderated edits do not."""

from __future__ import annotations

from typing import Any

from server.routes.submissions import EDITED_REASON
from tests.moderation_support import decided, queue, queued, undo, undone
from tests.support import Person, TestApi, problem


async def _public(api: TestApi, sid: int) -> list[dict[str, Any]]:
    """What someone not signed in sees of it: the item, in the list and in a search."""
    found: list[dict[str, Any]] = []
    r = await api.http.get(f"/submissions/{sid}")
    if r.status_code == 200:
        found.append(r.json())
    else:
        problem(r, 404)
    for params in ({}, {"q": "rotas"}):
        listed = (await api.http.get("/challenges/change/submissions", params=params)).json()
        found += [s for s in listed["items"] if s["id"] == sid]
    return found


async def _approved(api: TestApi, mod: Person, author: Person) -> int:
    sid: int = (await api.submit(author, title="Shared rotas",
                                 body="Approved text about rotas."))["id"]
    await decided(api, mod, "approve", ("submission", sid))
    return sid


async def test_edit_after_approval_is_held_until_a_moderator_approves(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    mod, author = await api.person("moderator"), await api.person()
    sid = await _approved(api, mod, author)
    assert [s["title"] for s in await _public(api, sid)] == ["Shared rotas"] * 3

    r = await api.http.patch(f"/submissions/{sid}", headers=author.headers,
                             json={"title": "Shared rotas, new", "body": "Edited rotas text."})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_reason"]) == ("pending", EDITED_REASON)
    # Nobody else sees either text meanwhile; the author sees the new one and why.
    assert await _public(api, sid) == []
    other = await api.person()
    problem(await api.http.get(f"/submissions/{sid}", headers=other.headers), 404)
    mine = (await api.http.get(f"/submissions/{sid}", headers=author.headers)).json()
    assert (mine["title"], mine["status"]) == ("Shared rotas, new", "pending")
    # The queue shows it with the new text, as waiting for a decision.
    items = (await queue(api, mod, limit=100))["items"]
    (item,) = [i for i in items if i["id"] == sid]
    assert item["queued_for"] == ["pending"]
    assert (item["title"], item["body"]) == ("Shared rotas, new", "Edited rotas text.")
    assert item["status_reason"] == EDITED_REASON
    first = item["last_action"]["id"]
    # The approval of the old text no longer stands for the item.
    problem(await undo(api, mod, first), 409)

    second = await decided(api, mod, "approve", ("submission", sid), seen=first)
    assert [s["title"] for s in await _public(api, sid)] == ["Shared rotas, new"] * 3
    assert await queued(api, mod) == []
    # Undone, the approval of the new text puts the item back in the queue.
    await undone(api, mod, second["action"]["id"])
    assert await _public(api, sid) == []
    assert await queued(api, mod) == [("submission", sid)]
    held = (await api.http.get(f"/submissions/{sid}", headers=author.headers)).json()
    assert held["status_reason"] == EDITED_REASON


async def test_edit_without_new_text_stays_published(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    mod, author = await api.person("moderator"), await api.person()
    sid = await _approved(api, mod, author)
    r = await api.http.patch(f"/submissions/{sid}", headers=author.headers,
                             json={"title": " Shared rotas ", "anonymous": True,
                                   "themes": ["Time and capacity"]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"
    assert await queued(api, mod) == []


async def test_pending_edit_stays_pending_with_its_reason(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    mod, author = await api.person("moderator"), await api.person()
    sid = (await api.submit(author))["id"]
    r = await api.http.patch(f"/submissions/{sid}", headers=author.headers,
                             json={"body": "Reworded before anyone looked."})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_reason"]) == (
        "pending", "Waiting for a moderator to approve it.")
    assert await queued(api, mod) == [("submission", sid)]


async def test_post_moderated_edit_stays_published(api: TestApi) -> None:
    await api.challenge(moderation="post")
    mod, author = await api.person("moderator"), await api.person()
    sid = (await api.submit(author, title="Shared rotas", body="First rotas text."))["id"]
    r = await api.http.patch(f"/submissions/{sid}", headers=author.headers,
                             json={"title": "Shared rotas, new", "body": "Edited rotas text."})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_reason"]) == ("published", None)
    assert [s["title"] for s in await _public(api, sid)] == ["Shared rotas, new"] * 3
    assert await queued(api, mod) == []
