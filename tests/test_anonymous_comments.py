"""An anonymous submission's author who comments on it stays anonymous: their name and
id reach moderators only, whoever reads the comments, and wherever a merge moves them."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from server.migrate import upgrade
from tests.moderation_support import decided
from tests.support import Person, TestApi


async def comment(api: TestApi, who: Person, sid: int, text: str,
                  parent_id: int | None = None) -> dict[str, Any]:
    r = await api.http.post(f"/submissions/{sid}/comments", headers=who.headers,
                            json={"body": text, "parent_id": parent_id})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def thread(api: TestApi, who: Person | None, sid: int) -> tuple[str, dict[str, Any]]:
    """The comments as ``who`` reads them: the raw answer, and each comment by its body."""
    r = await api.http.get(f"/submissions/{sid}/comments", headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    return r.text, {c["body"]: c for c in r.json()["items"]}


async def name_of(api: TestApi, who: Person) -> str:
    r = await api.http.get("/me", headers=who.headers)
    name: str = r.json()["display_name"]
    return name


async def test_the_anonymous_author_is_named_to_moderators_only(api: TestApi) -> None:
    await api.challenge()
    author, other, moderator = (await api.person(), await api.person(),
                                await api.person("moderator"))
    secret = await name_of(api, author)
    sid = (await api.submit(author, anonymous=True))["id"]
    named_sid = (await api.submit(author, title="Named", anonymous=False))["id"]
    mine = await comment(api, author, sid, "I wrote this one")
    # The answer to the comment's own author names nobody either (as their post does).
    assert (mine["author"], mine["anonymous"]) == (None, True)
    asked = await comment(api, other, sid, "Who wrote this?")
    await comment(api, author, sid, "Still me", parent_id=asked["id"])
    await comment(api, author, named_sid, "On my named post")
    for reader in (other, author, None):
        raw, shown = await thread(api, reader, sid)
        for text in ("I wrote this one", "Still me"):
            assert (shown[text]["author"], shown[text]["anonymous"]) == (None, True)
        assert shown["Who wrote this?"]["author"]["id"] == other.id
        assert shown["Who wrote this?"]["anonymous"] is False
        assert secret not in raw
        assert author.id not in {c["author"]["id"] for c in shown.values() if c["author"]}
        # Elsewhere, under their name, they are named as ever.
        _, named = await thread(api, reader, named_sid)
        assert named["On my named post"]["author"]["id"] == author.id
    _, seen = await thread(api, moderator, sid)
    for text in ("I wrote this one", "Still me"):
        assert seen[text]["author"] == {"id": author.id, "display_name": secret}
        assert seen[text]["anonymous"] is True


async def test_on_someone_elses_post_the_author_is_named(api: TestApi) -> None:
    await api.challenge()
    author, other = await api.person(), await api.person()
    await api.submit(author, anonymous=True)
    theirs = (await api.submit(other, title="Theirs"))["id"]
    said = await comment(api, author, theirs, "A comment elsewhere")
    assert (said["author"]["id"], said["anonymous"]) == (author.id, False)


async def test_comments_follow_the_post_made_named_or_anonymous(api: TestApi) -> None:
    await api.challenge()
    author, other = await api.person(), await api.person()
    sid = (await api.submit(author, anonymous=False))["id"]
    await comment(api, author, sid, "Before")
    r = await api.http.patch(f"/submissions/{sid}", headers=author.headers,
                             json={"anonymous": True})
    assert r.status_code == 200, r.text
    _, shown = await thread(api, other, sid)
    assert (shown["Before"]["author"], shown["Before"]["anonymous"]) == (None, True)
    r = await api.http.patch(f"/submissions/{sid}", headers=author.headers,
                             json={"anonymous": False})
    _, shown = await thread(api, other, sid)
    assert shown["Before"]["author"]["id"] == author.id


async def test_a_merge_keeps_the_comment_anonymous(api: TestApi) -> None:
    await api.challenge()
    author, other, moderator = (await api.person(), await api.person(),
                                await api.person("moderator"))
    source = (await api.submit(author, title="Source", anonymous=True))["id"]
    into = (await api.submit(other, title="Destination"))["id"]
    await comment(api, author, source, "Mine, anonymously")
    await decided(api, moderator, "merge", ("submission", source), merge_into=into)
    raw, shown = await thread(api, other, into)
    assert (shown["Mine, anonymously"]["author"], shown["Mine, anonymously"]["anonymous"]) \
        == (None, True)
    assert await name_of(api, author) not in raw
    _, seen = await thread(api, moderator, into)
    assert seen["Mine, anonymously"]["author"]["id"] == author.id
    # A new comment of theirs on the destination, not their post, is named as ever.
    assert (await comment(api, author, into, "Later"))["author"]["id"] == author.id


async def test_the_migration_marks_what_is_already_there(tmp_path: Path) -> None:
    """0005 on a database of 0004: the anonymous author's comments on their own post."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0004")
    now = "2026-01-01 00:00:00"
    with closing(sqlite3.connect(tmp_path / "old.db")) as db:
        db.executemany("INSERT INTO users (id, email, display_name, password_hash, role, "
                       "blocked, created_at) VALUES (?, ?, ?, '!', 'participant', 0, ?)",
                       [(1, "a@example.org", "A", now), (2, "b@example.org", "B", now)])
        db.execute("INSERT INTO challenges (id, slug, title, summary, themes, moderation, "
                   "anonymous_default, created_at, updated_at) VALUES "
                   "(1, 'c', 'C', '', '[]', 'post', 0, ?, ?)", (now, now))
        db.executemany("INSERT INTO submissions (id, challenge_id, kind, title, body, "
                       "author_id, anonymous, status, up, down, comments, score, created_at, "
                       "updated_at) VALUES (?, 1, 'story', 't', 'b', ?, ?, 'published', 0, "
                       "0, 0, 0, ?, ?)", [(1, 1, 1, now, now), (2, 1, 0, now, now)])
        db.executemany("INSERT INTO comments (id, submission_id, author_id, body, status, "
                       "created_at, updated_at) VALUES (?, ?, ?, 'x', 'published', ?, ?)",
                       [(1, 1, 1, now, now), (2, 1, 2, now, now), (3, 2, 1, now, now)])
        db.commit()
    await upgrade(url)
    with closing(sqlite3.connect(tmp_path / "old.db")) as db:
        marked = dict(db.execute("SELECT id, anonymous FROM comments").fetchall())
    assert marked == {1: 1, 2: 0, 3: 0}
