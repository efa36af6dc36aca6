"""Reports that arrive together still hide an item at the threshold (over real HTTP)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from server.config import Settings
from server.db import Database
from server.tables import CommentRow, SubmissionRow
from tests.support import LiveServer, add_users, bearer, challenge_spec

SUBMISSIONS = 30
COMMENTS = 30


async def test_simultaneous_reports_hide_every_target(live: LiveServer, database_url: str,
                                                      settings: Settings) -> None:
    threshold = settings.flag_threshold
    (admin,) = await add_users(database_url, 1, role="admin", prefix="admin")
    (author,) = await add_users(database_url, 1, prefix="author")
    reporters = await add_users(database_url, threshold, prefix="reporter")
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", limits=limits,
                                 timeout=120) as http:
        r = await http.post("/challenges", json=challenge_spec(), headers=bearer(admin[1]))
        assert r.status_code == 201, r.text
        sids = []
        for i in range(SUBMISSIONS + 1):
            r = await http.post("/challenges/change/submissions", headers=bearer(author[1]),
                                json={"kind": "idea", "title": f"Idea {i}", "body": "Try."})
            assert r.status_code == 201, r.text
            sids.append(r.json()["id"])
        thread = sids.pop()  # the comments' submission, reported by nobody
        cids = []
        for i in range(COMMENTS):
            r = await http.post(f"/submissions/{thread}/comments", headers=bearer(author[1]),
                                json={"body": f"Comment {i}"})
            assert r.status_code == 201, r.text
            cids.append(r.json()["id"])

        async def report(path: str, token: str) -> int:
            answer = await http.post(path, json={"reason": "spam"}, headers=bearer(token))
            return answer.status_code

        # Every target's reporters at once, the targets interleaved.
        paths = ([f"/submissions/{s}/flags" for s in sids]
                 + [f"/comments/{c}/flags" for c in cids])
        statuses = await asyncio.gather(*[report(p, t) for p in paths for _, t in reporters])
        assert set(statuses) == {201}

    db = Database.connect(database_url, pool_size=1)
    try:
        async with db.read() as session:
            shown = (await session.execute(select(SubmissionRow.id).where(
                SubmissionRow.id.in_(sids), SubmissionRow.status != "hidden"))).scalars().all()
            comments_shown = (await session.execute(select(CommentRow.id).where(
                CommentRow.id.in_(cids), CommentRow.status != "hidden"))).scalars().all()
            counter = (await session.execute(select(SubmissionRow.comments).where(
                SubmissionRow.id == thread))).scalar_one()
            published = (await session.execute(select(func.count()).select_from(CommentRow)
                                               .where(CommentRow.submission_id == thread,
                                                      CommentRow.status == "published"))
                         ).scalar_one()
    finally:
        await db.dispose()
    assert list(shown) == [], f"{len(shown)} of {len(sids)} submissions still shown"
    assert list(comments_shown) == [], f"{len(comments_shown)} of {len(cids)} comments shown"
    assert counter == published == 0
