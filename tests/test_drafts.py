"""A person's drafts on the server (/me/drafts), on both databases: keeping, replacing,
paging, isolation between people, the limits (key, size, number, shape), If-Match and
If-None-Match, and concurrent writers over real sockets."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update

from server.config import Settings
from server.db import Database
from server.tables import DraftRow, UserRow
from tests.support import LiveServer, Person, TestApi, add_users, bearer, problem

PER_PERSON = 5  # the tests' number of drafts a person may keep (the default is 200)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], drafts_per_user=PER_PERSON)


async def put(api: TestApi, who: Person, key: str, value: Any,
              **headers: str) -> httpx.Response:
    return await api.http.put(f"/me/drafts/{key}", json={"value": value},
                              headers={**who.headers, **headers})


async def keys_of(api: TestApi, who: Person) -> list[str]:
    r = await api.http.get("/me/drafts", params={"limit": 50}, headers=who.headers)
    assert r.status_code == 200, r.text
    return [d["key"] for d in r.json()["items"]]


HOSTILE_TEXT = "[/]\x1b[31m[@click=app.quit]x[/] \u202e\u0000 \U0001f9d1\u200d\u2695\ufe0f"


async def test_keep_replace_read_delete(api: TestApi) -> None:
    ada = await api.person()
    value = {"kind": "story", "title": "Huddles", "body": HOSTILE_TEXT, "themes": ["a"],
             "n": 1.5, "ok": True, "none": None}
    r = await put(api, ada, "submission:change", value)
    assert r.status_code == 200, r.text
    first = r.json()
    assert (first["key"], first["value"], first["version"]) == ("submission:change", value, 1)
    assert r.headers["etag"] == '"1"'
    api.clock.advance(timedelta(minutes=1))
    r = await put(api, ada, "submission:change", "just text now")
    assert r.status_code == 200, r.text
    second = r.json()
    assert (second["value"], second["version"]) == ("just text now", 2)
    assert second["created_at"] == first["created_at"]
    assert second["updated_at"] > first["updated_at"]
    r = await api.http.get("/me/drafts/submission:change", headers=ada.headers)
    assert r.status_code == 200 and r.json() == second and r.headers["etag"] == '"2"'
    for other in (None, [1, [2, {"x": []}]], 0, "", {"\u00e9\u00e8": "\U0001f600"}):
        r = await put(api, ada, "other", other)
        assert r.status_code == 200 and r.json()["value"] == other, r.text
    assert await keys_of(api, ada) == ["other", "submission:change"]
    r = await api.http.delete("/me/drafts/other", headers=ada.headers)
    assert r.status_code == 204 and r.content == b""
    problem(await api.http.get("/me/drafts/other", headers=ada.headers), 404)
    problem(await api.http.delete("/me/drafts/other", headers=ada.headers), 404)
    assert await keys_of(api, ada) == ["submission:change"]


async def test_pages_in_key_order_with_a_prefix(api: TestApi) -> None:
    ada = await api.person()
    keys = ["queue:b", "guide:12", "queue:a", "submission:x", "queue:c"]
    for key in keys:
        assert (await put(api, ada, key, key)).status_code == 200
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await api.http.get("/me/drafts", params=params, headers=ada.headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [d["key"] for d in page["items"]]
        assert all(d["value"] == d["key"] for d in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(keys)
    r = await api.http.get("/me/drafts", params={"prefix": "queue:", "limit": 2},
                           headers=ada.headers)
    page = r.json()
    assert [d["key"] for d in page["items"]] == ["queue:a", "queue:b"]
    r = await api.http.get("/me/drafts", params={"prefix": "queue:", "limit": 2,
                                                 "cursor": page["next_cursor"]},
                           headers=ada.headers)
    assert [d["key"] for d in r.json()["items"]] == ["queue:c"]
    assert r.json()["next_cursor"] is None
    # A cursor is bound to its query: another prefix, or another person, is refused.
    for params, who in (({"cursor": page["next_cursor"]}, ada),
                        ({"cursor": page["next_cursor"], "prefix": "queue:"},
                         await api.person())):
        problem(await api.http.get("/me/drafts", params=params, headers=who.headers), 422,
                "/problems/validation", "cursor")
    for bad in ({"prefix": "a/b"}, {"prefix": "x" * 101}, {"limit": 51}, {"limit": 0}):
        problem(await api.http.get("/me/drafts", params=bad, headers=ada.headers), 422)


async def test_a_persons_drafts_are_theirs_alone(api: TestApi) -> None:
    ada, bob = await api.person(), await api.person()
    assert (await put(api, ada, "secret", {"text": "Ada's"})).status_code == 200
    missing_get = problem(await api.http.get("/me/drafts/nothing", headers=bob.headers), 404)
    other_get = problem(await api.http.get("/me/drafts/secret", headers=bob.headers), 404)
    missing_del = problem(await api.http.delete("/me/drafts/nothing", headers=bob.headers),
                          404)
    other_del = problem(await api.http.delete("/me/drafts/secret", headers=bob.headers), 404)
    strip = {"request_id"}
    assert {k: v for k, v in other_get.items() if k not in strip} == \
        {k: v for k, v in missing_get.items() if k not in strip}
    assert {k: v for k, v in other_del.items() if k not in strip} == \
        {k: v for k, v in missing_del.items() if k not in strip}
    assert await keys_of(api, bob) == []
    other_412 = problem(await put(api, bob, "secret", "x", **{"If-Match": '"1"'}), 412,
                        "/problems/draft-conflict")
    missing_412 = problem(await put(api, bob, "nothing", "x", **{"If-Match": '"1"'}), 412,
                          "/problems/draft-conflict")
    assert other_412.get("current") is None and missing_412.get("current") is None
    assert other_412["detail"] == missing_412["detail"]
    # Bob's own draft under the same key is his, and leaves Ada's alone.
    r = await put(api, bob, "secret", {"text": "Bob's"})
    assert r.status_code == 200 and r.json()["version"] == 1
    r = await api.http.get("/me/drafts/secret", headers=ada.headers)
    assert r.json()["value"] == {"text": "Ada's"} and r.json()["version"] == 1
    assert (await api.http.delete("/me/drafts/secret", headers=bob.headers)).status_code == 204
    assert await keys_of(api, ada) == ["secret"]


async def test_signed_in_and_not_blocked_only(api: TestApi) -> None:
    for method, path in (("GET", "/me/drafts"), ("GET", "/me/drafts/k"),
                         ("PUT", "/me/drafts/k"), ("DELETE", "/me/drafts/k")):
        r = await api.http.request(method, path, json={"value": 1} if method == "PUT" else None)
        problem(r, 401)
        assert r.headers["www-authenticate"] == "Bearer"
    blocked = await api.person()  # blocked before its token is first seen (and cached)
    async with api.db.write() as session:
        await session.execute(update(UserRow).where(UserRow.id == blocked.id)
                              .values(blocked=True))
        await session.commit()
    problem(await put(api, blocked, "k", 1), 403)
    problem(await api.http.get("/me/drafts", headers=blocked.headers), 403)


async def test_hostile_keys_are_refused_not_served(api: TestApi) -> None:
    ada = await api.person()
    assert (await put(api, ada, "k" * 100, 1)).status_code == 200
    assert (await put(api, ada, "A.b_c:d-9", 1)).status_code == 200
    # ("..", sent plainly, is resolved away by httpx: the typed client refuses it.)
    for key in ("k" * 101, ".hidden", "-x", "%2E%2E", ".%2E", "%C3%A9t%C3%A9", "a%20b",
                "%F0%9F%98%80", "a%3Bb", "a%5Cb", "a%2Ab", "%E2%80%AEx"):
        for r in (await put(api, ada, key, 1),
                  await api.http.get(f"/me/drafts/{key}", headers=ada.headers),
                  await api.http.delete(f"/me/drafts/{key}", headers=ada.headers)):
            assert r.status_code in (404, 405, 422), (key, r.status_code, r.text)
            problem(r, r.status_code)
    # Keys that would be another address once decoded never reach a draft.
    for key in ("..%2F..%2Fme", "%2E%2E%2Fhealth", "a%2Fb", "a%00b"):
        r = await put(api, ada, key, 1)
        assert r.status_code in (404, 405, 422), (key, r.status_code, r.text)
        problem(r, r.status_code)
    assert sorted(await keys_of(api, ada)) == ["A.b_c:d-9", "k" * 100]


async def test_size_limit_leaves_the_draft_untouched(api: TestApi) -> None:
    ada = await api.person()
    limit = api.settings.draft_max_bytes
    assert (await put(api, ada, "big", "small")).status_code == 200
    fits = "x" * (limit - 2)  # the quotes make it exactly the limit
    r = await put(api, ada, "big", fits)
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    over = "é" * (limit // 2)  # two bytes each in UTF-8: with the quotes, just over
    body = problem(await put(api, ada, "big", over), 413, "/problems/draft-too-large")
    assert f"{limit:,}" in body["detail"]
    problem(await put(api, ada, "big", "x" * (300 * 1024)), 413)  # over the body cap
    r = await api.http.get("/me/drafts/big", headers=ada.headers)
    assert r.json()["version"] == 2 and r.json()["value"] == fits
    problem(await put(api, ada, "fresh", over), 413, "/problems/draft-too-large")
    assert await keys_of(api, ada) == ["big"]


async def test_the_largest_draft_the_app_writes_fits(api: TestApi) -> None:
    """An edit of a guide entry at its longest, with the text it started from, in
    characters of four bytes each."""
    ada = await api.person()
    text = "\U0001f9d1" * 20_000
    r = await put(api, ada, "entry:1", {"base_text": text, "text": text, "base_version": 3,
                                        "title": "\U0001f9d1" * 140})
    assert r.status_code == 200, r.text


async def test_number_limit_refuses_new_keys_only(api: TestApi) -> None:
    ada, bob = await api.person(), await api.person()
    for i in range(PER_PERSON):
        assert (await put(api, ada, f"d{i}", i)).status_code == 200
    body = problem(await put(api, ada, "one-more", 1), 409, "/problems/too-many-drafts")
    assert str(PER_PERSON) in body["detail"]
    r = await put(api, ada, "d0", "replaced")  # replacing is not a new draft
    assert r.status_code == 200 and r.json()["version"] == 2
    assert (await put(api, bob, "d0", 1)).status_code == 200  # per person
    assert (await api.http.delete("/me/drafts/d1", headers=ada.headers)).status_code == 204
    assert (await put(api, ada, "one-more", 1)).status_code == 200
    assert await keys_of(api, ada) == ["d0", "d2", "d3", "d4", "one-more"]
    assert Settings(database_url="sqlite://").drafts_per_user == 200


async def test_values_no_database_can_keep_are_4xx(api: TestApi) -> None:
    ada = await api.person()
    raw_bodies = [
        '{"value": ' + "[" * 33 + "]" * 33 + "}",  # deeper than 32
        '{"value": ' + '{"a":' * 40 + "1" + "}" * 40 + "}",
        '{"value": ' + "[" * 5000 + "]" * 5000 + "}",  # deeper than Python's JSON reader
        '{"value": "\\ud800"}', '{"value": {"\\udfff": 1}}',
        '{"value": 1e400}', '{"value": [-1e999]}', '{"value": NaN}', '{"value": Infinity}',
        '{"value": ' + "9" * 5000 + "}",  # beyond Python's int digits
        '{"value": 1, "extra": 2}', "{}", "[]", '"text"', "not json", "",
    ]
    for raw in raw_bodies:
        r = await api.http.put("/me/drafts/k", content=raw.encode(),
                               headers={**ada.headers, "Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (raw[:40], r.status_code, r.text)
        problem(r, r.status_code)
    assert (await put(api, ada, "k", [[[[[[[[1]]]]]]]])).status_code == 200  # not too deep
    assert (await put(api, ada, "k", {"n": 10**100})).json()["value"] == {"n": 10**100}
    assert await keys_of(api, ada) == ["k"]


async def test_if_match_and_if_none_match(api: TestApi) -> None:
    ada = await api.person()
    r = await put(api, ada, "k", "first", **{"If-None-Match": "*"})
    assert r.status_code == 200 and r.json()["version"] == 1, r.text
    body = problem(await put(api, ada, "k", "again", **{"If-None-Match": "*"}), 412,
                   "/problems/draft-conflict")
    assert body["current"]["value"] == "first" and body["current"]["version"] == 1
    for tag in ('"1"', "1", 'W/"1"'):
        r = await put(api, ada, "k", f"over {tag}", **{"If-Match": tag})
        if tag == '"1"':
            assert r.status_code == 200 and r.json()["version"] == 2, r.text
        else:  # stale now: the draft is at 2
            body = problem(r, 412, "/problems/draft-conflict")
            assert body["current"]["version"] == 2 and r.headers["etag"] == '"2"'
            assert body["current"]["value"] == 'over "1"'
    for bad in ("*", "abc", '"1", "2"', "", "9" * 50):
        problem(await put(api, ada, "k", "x", **{"If-Match": bad}), 422)
    for bad in ('"1"', "", "**"):
        problem(await put(api, ada, "k", "x", **{"If-None-Match": bad}), 422)
    both = problem(await put(api, ada, "k", "x", **{"If-None-Match": "*", "If-Match": '"2"'}),
                   412, "/problems/draft-conflict")  # both must hold: never
    assert both["current"]["version"] == 2
    problem(await api.http.delete("/me/drafts/k", headers={**ada.headers,
                                                           "If-None-Match": "*"}), 422)
    problem(await api.http.delete("/me/drafts/k", headers={**ada.headers, "If-Match": '"1"'}),
            412, "/problems/draft-conflict")
    assert (await api.http.get("/me/drafts/k", headers=ada.headers)).status_code == 200
    r = await api.http.delete("/me/drafts/k", headers={**ada.headers, "If-Match": '"2"'})
    assert r.status_code == 204
    body = problem(await put(api, ada, "k", "x", **{"If-Match": '"2"'}), 412)
    assert body.get("current") is None


async def test_a_deleted_persons_drafts_go_with_them(api: TestApi) -> None:
    ada, bob = await api.person(), await api.person()
    assert (await put(api, ada, "k", 1)).status_code == 200
    assert (await put(api, bob, "k", 2)).status_code == 200
    async with api.db.write() as session:
        await session.execute(delete(UserRow).where(UserRow.id == ada.id))
        await session.commit()
    async with api.db.read() as session:
        owners = (await session.execute(select(DraftRow.user_id))).scalars().all()
    assert owners == [bob.id]


# --- many writers at once, over real sockets ------------------------------------------

WRITERS = 24


async def _rows(database_url: str) -> list[tuple[int, str, int]]:
    db = Database.connect(database_url, pool_size=1)
    try:
        async with db.read() as session:
            return [tuple(r) for r in await session.execute(  # type: ignore[misc]
                select(DraftRow.user_id, DraftRow.key, DraftRow.version)
                .order_by(DraftRow.user_id, DraftRow.key))]
    finally:
        await db.dispose()


async def test_concurrent_writers(live: LiveServer, database_url: str) -> None:
    (ada_id, ada_t), (_, bob_t) = await add_users(database_url, 2, prefix="w")
    limits = httpx.Limits(max_connections=WRITERS * 2)
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", limits=limits,
                                 timeout=60) as http:
        async def put_one(token: str, key: str, value: Any,
                          **headers: str) -> httpx.Response:
            return await http.put(f"/me/drafts/{key}", json={"value": value},
                                  headers={**bearer(token), **headers})

        # One key, many writers: one row, every write counted, the last one kept.
        answers = await asyncio.gather(*[put_one(ada_t, "same", {"n": i})
                                         for i in range(WRITERS)])
        assert [r.status_code for r in answers] == [200] * WRITERS, \
            [r.text for r in answers if r.status_code != 200][:1]
        assert sorted(r.json()["version"] for r in answers) == list(range(1, WRITERS + 1))
        last = max(answers, key=lambda r: r.json()["version"]).json()
        r = await http.get("/me/drafts/same", headers=bearer(ada_t))
        assert r.json() == last
        assert [row for row in await _rows(database_url) if row[1] == "same"] == \
            [(ada_id, "same", WRITERS)]

        # Many writers naming one version: exactly one wins, the rest see it.
        answers = await asyncio.gather(*[put_one(ada_t, "same", i, **{"If-Match": f'"{WRITERS}"'})
                                         for i in range(WRITERS)])
        codes = sorted(r.status_code for r in answers)
        assert codes == [200] + [412] * (WRITERS - 1), codes
        winner = next(r for r in answers if r.status_code == 200).json()
        assert all(r.json()["current"] == winner for r in answers if r.status_code == 412)

        # New keys past the limit, all at once: exactly the room left is taken.
        for i in range(PER_PERSON - 2):
            assert (await put_one(ada_t, f"old{i}", i)).status_code == 200
        answers = await asyncio.gather(*[put_one(ada_t, f"new{i}", i) for i in range(WRITERS)],
                                       *[put_one(bob_t, f"new{i}", i) for i in range(3)])
        ada_codes = sorted(r.status_code for r in answers[:WRITERS])
        assert ada_codes == [200] + [409] * (WRITERS - 1), ada_codes
        assert [r.status_code for r in answers[WRITERS:]] == [200] * 3
        assert all(r.json()["type"] == "/problems/too-many-drafts"
                   for r in answers[:WRITERS] if r.status_code == 409)
        rows = await _rows(database_url)
        assert sum(1 for row in rows if row[0] == ada_id) == PER_PERSON

        # Deletes racing writes of the same key: never a 500, one row or none.
        answers = await asyncio.gather(*[
            http.delete("/me/drafts/same", headers=bearer(ada_t)) if i % 2
            else put_one(ada_t, "same", i) for i in range(WRITERS)])
        assert {r.status_code for r in answers} <= {200, 204, 404}
        assert len([row for row in await _rows(database_url) if row[1] == "same"]) <= 1
