"""Rules every endpoint keeps: problems, idempotency, input hygiene, body cap."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from server.tables import SubmissionRow
from tests.guide_support import if_match, world
from tests.support import TestApi

HOSTILE = [
    "[/]", "[@click=app.quit]x[/]", "[bold red]shout[/bold red]", "$(rm -rf ~)",
    "<script>alert(1)</script>", "🧑‍⚕️ 看护 — naïve", "x" * 140,
]


async def count_submissions(api: TestApi) -> int:
    async with api.db.read() as session:
        return int((await session.execute(select(func.count(SubmissionRow.id)))).scalar_one())


async def test_unknown_route_is_a_problem(api: TestApi) -> None:
    r = await api.http.get("/nowhere")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 404 and body["title"] and body["request_id"]


async def test_wrong_method_is_a_problem(api: TestApi) -> None:
    r = await api.http.delete("/health")
    assert r.status_code == 405
    assert r.headers["content-type"] == "application/problem+json"


async def test_request_id_is_echoed(api: TestApi) -> None:
    r = await api.http.get("/health", headers={"X-Request-ID": "trace-42"})
    assert r.headers["x-request-id"] == "trace-42"
    r = await api.http.get("/health", headers={"X-Request-ID": "bad id\x1b[31m"})
    assert r.headers["x-request-id"] != "bad id\x1b[31m"


async def test_invalid_json_is_422(api: TestApi) -> None:
    r = await api.http.post("/auth/login", content=b'{"email": ',
                            headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["type"] == "/problems/validation"


@pytest.mark.parametrize("field", ["score", "status", "up", "author_id"])
async def test_request_bodies_reject_unknown_fields(api: TestApi, field: str) -> None:
    await api.challenge()
    who = await api.person()
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": "t", "body": "b", field: 99})
    assert r.status_code == 422
    assert {"field": field, "message": "unknown field"} in r.json()["errors"]
    assert await count_submissions(api) == 0


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_text_is_stored_as_typed(api: TestApi, text: str) -> None:
    await api.challenge()
    who = await api.person()
    made = await api.submit(who, title=text, body=f"body {text}")
    got = (await api.http.get(f"/submissions/{made['id']}")).json()
    assert got["title"] == text
    assert got["body"] == f"body {text}"


async def test_control_characters_and_bidi_overrides_are_removed(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    made = await api.submit(
        who, title="Tea\x1b[31m break\u202e\x00", body="line one\r\nline\ttwo\x07\x9b\u2066x")
    assert made["title"] == "Tea[31m break"
    assert made["body"] == "line one\nline\ttwox"


async def test_lengths_are_enforced_after_cleaning(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": "t" * 141, "body": "b" * 10_001})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"title", "body"}
    await api.submit(who, title="t" * 140 + "\x00" * 5)  # controls do not count


async def test_body_over_256_kib_is_413(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    payload = json.dumps({"kind": "story", "title": "t", "body": "b" * 270_000})
    r = await api.http.post("/challenges/change/submissions", content=payload,
                            headers={**who.headers, "content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        for i in range(0, len(payload), 8192):
            yield payload[i:i + 8192].encode()

    r = await api.http.post("/challenges/change/submissions", content=chunks(),
                            headers={**who.headers, "content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["status"] == 413
    assert await count_submissions(api) == 0


async def test_the_largest_valid_texts_fit_the_body_limit(api: TestApi) -> None:
    """Escaped as a JSON encoder with ensure_ascii does (12 bytes for a character
    outside the BMP), a full submission and a full guide entry are still accepted."""
    w = await world(api)
    story = await w.submit()
    emoji = "\U0001f9d1"
    payload = json.dumps({"kind": "idea", "title": emoji * 140, "body": emoji * 10_000})
    r = await api.http.post("/challenges/change/submissions", content=payload,
                            headers={**w.author.headers, "content-type": "application/json"})
    assert r.status_code == 201, r.text
    w.develop()
    entry = await w.shortlist(story["id"])
    payload = json.dumps({"body": emoji * 20_000, "title": emoji * 140})
    assert len(payload) > 240_000
    r = await api.http.patch(f"/guide/entries/{entry['id']}", content=payload,
                             headers={**if_match(w.author, entry["version"]),
                                      "content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["body"] == emoji * 20_000


async def test_idempotent_post_is_done_once(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    headers = {**who.headers, "Idempotency-Key": "draft-7"}
    payload = {"kind": "idea", "title": "Rota swaps", "body": "Let staff swap shifts."}
    first = await api.http.post("/challenges/change/submissions", json=payload, headers=headers)
    again = await api.http.post("/challenges/change/submissions", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await count_submissions(api) == 1

    other = await api.http.post("/challenges/change/submissions", headers=headers,
                                json={**payload, "title": "Something else"})
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"

    someone = await api.person()  # keys belong to a user
    theirs = await api.http.post("/challenges/change/submissions", json=payload,
                                 headers={**someone.headers, "Idempotency-Key": "draft-7"})
    assert theirs.status_code == 201
    assert await count_submissions(api) == 2


async def test_concurrent_retries_with_one_key_make_one_row(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    headers = {**who.headers, "Idempotency-Key": "burst"}
    payload = {"kind": "story", "title": "Same", "body": "Same body."}
    answers = await asyncio.gather(*[
        api.http.post("/challenges/change/submissions", json=payload, headers=headers)
        for _ in range(8)])
    assert await count_submissions(api) == 1
    assert {r.status_code for r in answers} <= {201, 409}
    created = [r.json()["id"] for r in answers if r.status_code == 201]
    assert created and len(set(created)) == 1


async def test_idempotency_key_expires(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    headers = {**who.headers, "Idempotency-Key": "old"}
    payload = {"kind": "story", "title": "Again", "body": "Body."}
    await api.http.post("/challenges/change/submissions", json=payload, headers=headers)
    api.clock.advance(__import__("datetime").timedelta(hours=25))
    later = await api.http.post("/challenges/change/submissions", json=payload, headers=headers)
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert await count_submissions(api) == 2


async def test_failed_post_does_not_burn_the_key(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    headers = {**who.headers, "Idempotency-Key": "k1"}
    bad = await api.http.post("/challenges/change/submissions", headers=headers, json={
        "kind": "story", "title": "t", "body": "b", "themes": ["Not a theme"]})
    assert bad.status_code == 422
    good = await api.http.post("/challenges/change/submissions", headers=headers, json={
        "kind": "story", "title": "t", "body": "b", "themes": ["Not a theme"]})
    assert good.status_code == 422  # re-evaluated, not replayed
    assert "idempotent-replayed" not in good.headers


@pytest.mark.parametrize("path, params", [
    ("/challenges/a%00b", {}),
    ("/challenges/change/submissions", {"q": "tea\x00"}),
    ("/challenges/change/submissions", {"theme": "\x00"}),
])
async def test_nul_in_the_address_is_422(api: TestApi, path: str,
                                         params: dict[str, str]) -> None:
    await api.challenge()
    r = await api.http.get(path, params=params)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


async def test_unstorable_characters_in_bodies(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    raw = b'{"kind": "story", "title": "lone \\ud800 surrogate", "body": "nul \\u0000 here"}'
    r = await api.http.post("/challenges/change/submissions", content=raw,
                            headers={**who.headers, "content-type": "application/json"})
    assert r.status_code == 201, r.text
    assert (r.json()["title"], r.json()["body"]) == ("lone  surrogate", "nul  here")
    for email in ("a\x00@b.org", "a\ud800@b.org"):
        r = await api.http.post("/auth/login", content=json.dumps(
            {"email": email, "password": "x"}), headers={"content-type": "application/json"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "email"


@pytest.mark.parametrize("q", ["_", "__init__", "a_b", "看护", "x̃", "'", "\\", ":*", "a:* | b",
                               "!(x)", "-", '"unclosed', "NEAR(a b)", "a & b", "\u00a0"])
async def test_any_search_text_is_answered(api: TestApi, q: str) -> None:
    await api.challenge()
    r = await api.http.get("/challenges/change/submissions", params={"q": q})
    assert r.status_code == 200, r.text


async def test_consistent_validation_problems(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    made = await api.submit(who)
    bad_json = await api.http.post("/auth/login", content=b"{nope",
                                   headers={"content-type": "application/json"})
    assert bad_json.json()["errors"] == [{"field": "body",
                                         "message": "the body is not valid JSON"}]
    cursor = await api.http.get("/challenges/change/submissions", params={"cursor": "x"})
    assert cursor.json()["type"] == "/problems/validation"
    other = await api.person()
    messages = set()
    for value in (2, "up", True, 1.5, "1"):
        r = await api.http.put(f"/submissions/{made['id']}/vote", json={"value": value},
                               headers=other.headers)
        assert r.status_code == 422
        messages.add(r.json()["errors"][0]["message"])
    assert messages == {"must be 1 or -1"}
    own = await api.http.post(f"/submissions/{made['id']}/flags", json={"reason": "spam"},
                              headers=who.headers)
    assert own.status_code == 409
