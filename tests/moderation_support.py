"""Helpers for the moderation tests: decisions, undo, and a snapshot of the whole database."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from server.db import Database
from server.tables import CommentRow, FlagRow, SubmissionRow, UserRow, VoteRow
from tests.support import Person, TestApi

Target = tuple[str, int]


def targets(*items: Target, seen: int | None = None) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = [{"type": t, "id": i} for t, i in items]
    if seen is not None:
        for target in made:
            target["seen_action"] = seen
    return made


async def decide(api: TestApi, who: Person, action: str, *items: Target,
                 seen: int | None = None, **extra: Any) -> httpx.Response:
    body = {"targets": targets(*items, seen=seen), "action": action, **extra}
    return await api.http.post("/moderation/decisions", json=body, headers=who.headers)


async def decided(api: TestApi, who: Person, action: str, *items: Target,
                  **extra: Any) -> dict[str, Any]:
    r = await decide(api, who, action, *items, **extra)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def undo(api: TestApi, who: Person, action_id: int) -> httpx.Response:
    return await api.http.post(f"/moderation/actions/{action_id}/undo", headers=who.headers)


async def undone(api: TestApi, who: Person, action_id: int) -> dict[str, Any]:
    r = await undo(api, who, action_id)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def snapshot(db: Database) -> dict[str, Any]:
    """Everything moderation may change, straight from the database (not updated_at)."""
    async with db.read() as s:
        subs = {r.id: (r.status, r.status_reason, r.up, r.down, r.comments, r.score,
                       r.comments_locked)
                for r in (await s.execute(select(SubmissionRow))).scalars()}
        comments = {r.id: (r.submission_id, r.parent_id, r.status, r.status_reason)
                    for r in (await s.execute(select(CommentRow))).scalars()}
        votes = sorted((v.id, v.user_id, v.submission_id, v.value, v.created_at, v.updated_at)
                       for v in (await s.execute(select(VoteRow))).scalars())
        flags = {f.id: f.resolved_at is None for f in (await s.execute(select(FlagRow))).scalars()}
        users = {u.id: u.blocked for u in (await s.execute(select(UserRow))).scalars()}
    return {"submissions": subs, "comments": comments, "votes": votes, "flags": flags,
            "users": users}


async def submission_row(db: Database, sid: int) -> SubmissionRow:
    async with db.read() as s:
        row = await s.get(SubmissionRow, sid)
    assert row is not None
    return row


async def comment_row(db: Database, cid: int) -> CommentRow:
    async with db.read() as s:
        row = await s.get(CommentRow, cid)
    assert row is not None
    return row


async def open_flags(db: Database, kind: str, ident: int) -> int:
    async with db.read() as s:
        return len((await s.execute(select(FlagRow.id).where(
            FlagRow.target_type == kind, FlagRow.target_id == ident,
            FlagRow.resolved_at.is_(None)))).all())


async def comment(api: TestApi, who: Person, sid: int, body: str = "Agreed.",
                  parent_id: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"body": body}
    if parent_id is not None:
        payload["parent_id"] = parent_id
    r = await api.http.post(f"/submissions/{sid}/comments", json=payload, headers=who.headers)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def flag(api: TestApi, who: Person, kind: str, ident: int,
               reason: str = "spam", note: str = "") -> None:
    r = await api.http.post(f"/{kind}s/{ident}/flags", json={"reason": reason, "note": note},
                            headers=who.headers)
    assert r.status_code == 201, r.text


async def vote(api: TestApi, who: Person, sid: int, value: int) -> None:
    r = await api.http.put(f"/submissions/{sid}/vote", json={"value": value},
                           headers=who.headers)
    assert r.status_code == 200, r.text


async def queue(api: TestApi, who: Person, **params: Any) -> dict[str, Any]:
    r = await api.http.get("/moderation/queue", params=params, headers=who.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def queued(api: TestApi, who: Person, **params: Any) -> list[Target]:
    return [(i["type"], i["id"]) for i in (await queue(api, who, limit=100, **params))["items"]]
