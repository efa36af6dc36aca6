"""The OpenAPI document says what the server enforces; 405s list every method."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.app import create_app
from server.config import Settings
from tests.support import LiveServer, TestApi, challenge_spec, problem

DOC: dict[str, Any] = create_app(Settings()).openapi()
PATHS = DOC["paths"]


def params(path: str, method: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in PATHS[f"/api/v1{path}"][method].get("parameters", [])}


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/challenges/change", "GET, HEAD, PATCH"),
    ("PUT", "/challenges/change/submissions", "GET, HEAD, POST"),
    ("POST", "/submissions/1", "DELETE, GET, HEAD, PATCH"),
    ("GET", "/submissions/1/vote", "DELETE, PUT"),
    ("DELETE", "/health", "GET, HEAD"),
])
async def test_405_lists_every_method_of_the_path(api: TestApi, method: str, path: str,
                                                  allowed: str) -> None:
    r = await api.http.request(method, path)
    problem(r, 405)
    assert r.headers["allow"] == allowed


async def test_head_is_get_without_the_body_where_allow_says_so(live: LiveServer) -> None:
    """Allow lists HEAD beside GET: a HEAD answers as GET would, with no body."""
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1") as http:
        for path in ("/health", "/challenges"):
            got, head = await http.get(path), await http.head(path)
            assert head.status_code == got.status_code == 200, (path, head.text)
            assert head.content == b""
            assert head.headers["content-type"] == got.headers["content-type"]
            assert head.headers["content-length"] == str(len(got.content))
        assert (await http.head("/submissions/1/vote")).status_code == 405  # no GET there


def test_optional_sign_in_is_optional_in_the_document() -> None:
    optional: list[dict[str, list[str]]] = [{}, {"HTTPBearer": []}]
    assert PATHS["/api/v1/submissions/{submission_id}"]["get"]["security"] == optional
    assert PATHS["/api/v1/challenges/{slug}/submissions"]["get"]["security"] == optional
    assert PATHS["/api/v1/submissions/{submission_id}"]["patch"]["security"] == [
        {"HTTPBearer": []}]


def test_cursor_format_and_paired_target_are_in_the_document() -> None:
    for path in ("/challenges", "/challenges/{slug}/submissions",
                 "/submissions/{submission_id}/comments", "/moderation/queue",
                 "/moderation/log"):
        cursor = params(path, "get")["cursor"]["schema"]["anyOf"][0]
        assert cursor["pattern"] == "^[A-Za-z0-9_-]*$", path
    log = params("/moderation/log", "get")
    assert "target_type" not in log and "target_id" not in log
    target = log["target"]
    assert (target["style"], target["explode"]) == ("form", True)
    assert target["schema"]["required"] == ["target_type", "target_id"]


def test_merge_into_only_with_merge_in_the_document() -> None:
    branches = DOC["components"]["schemas"]["DecisionCreate"]["oneOf"]
    by_action = {str(b["properties"]["action"].get("const")): b for b in branches}
    assert by_action["merge"]["required"] == ["merge_into"]
    assert by_action["reject"]["required"] == ["reason"]
    for name in ("lock_comments", "reject", "None"):
        assert by_action[name]["properties"]["merge_into"] == {"type": "null"}


async def test_a_cursor_that_is_not_base64url_is_422(api: TestApi) -> None:
    r = await api.http.get("/challenges", params={"cursor": "not a cursor!"})
    assert problem(r, 422)["errors"][0]["field"] == "cursor"


async def test_values_are_taken_as_the_json_types_the_document_says(api: TestApi) -> None:
    await api.challenge()
    who = await api.person()
    made = await api.submit(who)
    r = await api.http.patch(f"/submissions/{made['id']}", headers=who.headers,
                             json={"anonymous": 0})
    assert problem(r, 422)["errors"][0]["field"] == "anonymous"
    r = await api.http.post(f"/submissions/{made['id']}/comments", headers=who.headers,
                            json={"body": "x", "parent_id": "1"})
    assert problem(r, 422)["errors"][0]["field"] == "parent_id"
    admin = await api.person("admin")
    spec = challenge_spec("other")
    spec["phases"][0]["starts_at"] = 0
    r = await api.http.post("/challenges", headers=admin.headers, json=spec)
    assert problem(r, 422)["errors"][0]["field"] == "phases.0.starts_at"
    # JSON Schema's integer includes 1.0, so the server takes it as 1.
    voter = await api.person()
    r = await api.http.put(f"/submissions/{made['id']}/vote", headers=voter.headers,
                           json={"value": 1.0})
    assert r.status_code == 200 and r.json()["my_vote"] == 1


async def test_a_withdrawn_submission_stays_readable_by_its_author_and_moderators(
        api: TestApi) -> None:
    # By design (schemathesis' use_after_free is excused for it in test_fuzz.py): DELETE
    # withdraws, and its author still finds it, as in ``mine=true``, with its status.
    await api.challenge()
    who = await api.person()
    made = await api.submit(who)
    assert (await api.http.delete(f"/submissions/{made['id']}",
                                  headers=who.headers)).status_code == 204
    for reader in (who, await api.person("moderator")):
        r = await api.http.get(f"/submissions/{made['id']}", headers=reader.headers)
        assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    problem(await api.http.get(f"/submissions/{made['id']}",
                               headers=(await api.person()).headers), 404)
    problem(await api.http.get(f"/submissions/{made['id']}"), 404)
