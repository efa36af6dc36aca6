"""The authorisation matrix: every endpoint, for each kind of caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.support import Person, TestApi, challenge_spec

ROLES = ("anonymous", "author", "other", "moderator", "admin")


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    body: Any
    expect: dict[str, int]  # role -> status; a moderator is "other" unless named

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def status(self, role: str) -> int:
        return self.expect.get(role, self.expect["other"])


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def users(status: int) -> dict[str, int]:
    return {"anonymous": 401, "author": status, "other": status, "admin": status}


def author_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, "author": status, "other": 403, "admin": 403}


def admin_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, "author": 403, "other": 403, "admin": status}


def moderators(status: int) -> dict[str, int]:
    return {"anonymous": 401, "author": 403, "other": 403, "moderator": status,
            "admin": status}


CASES = [
    Case("GET", "/health", None, everyone(200)),
    Case("GET", "/me", None, users(200)),
    Case("POST", "/auth/logout", None, users(204)),
    Case("GET", "/challenges", None, everyone(200)),
    Case("POST", "/challenges", challenge_spec("another"), admin_only(201)),
    Case("GET", "/challenges/{c}", None, everyone(200)),
    Case("PATCH", "/challenges/{c}", {"title": "Renamed"}, admin_only(200)),
    Case("GET", "/challenges/{c}/stats", None, everyone(200)),
    Case("GET", "/challenges/{c}/submissions", None, everyone(200)),
    Case("POST", "/challenges/{c}/submissions",
         {"kind": "idea", "title": "Try it", "body": "Let us test it."}, users(201)),
    Case("GET", "/submissions/{s}", None, everyone(200)),
    Case("PATCH", "/submissions/{s}", {"title": "Edited"}, author_only(200)),
    Case("DELETE", "/submissions/{s}", None, author_only(204)),
    Case("PUT", "/submissions/{s}/vote", {"value": 1}, users(200)),
    Case("DELETE", "/submissions/{s}/vote", None, users(200)),
    Case("GET", "/submissions/{s}/comments", None, everyone(200)),
    Case("POST", "/submissions/{s}/comments", {"body": "Agreed."}, users(201)),
    # Authors cannot report their own work (409); anyone else signed in can.
    Case("POST", "/submissions/{s}/flags", {"reason": "spam"}, {**users(201), "author": 409}),
    Case("POST", "/comments/{m}/flags", {"reason": "off_topic", "note": "?"},
         {**users(201), "author": 409}),
    Case("GET", "/moderation/queue", None, moderators(200)),
    Case("POST", "/moderation/decisions",
         {"targets": [{"type": "submission", "id": "{s}"}], "action": "lock_comments"},
         moderators(201)),
    Case("POST", "/moderation/actions/{a}/undo", None, moderators(200)),
    Case("GET", "/moderation/log", None, moderators(200)),
    Case("GET", "/challenges/{c}/export?format=csv", None, moderators(200)),
]


def _fill(body: Any, ids: dict[str, int]) -> Any:
    """``"{s}"`` and the like in a body become the ids this test made."""
    if isinstance(body, dict):
        return {k: _fill(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v, ids) for v in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return ids[body[1:-1]]
    return body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=str)
async def test_matrix(api: TestApi, case: Case, role: str) -> None:
    admin = await api.person("admin")
    author = await api.person()
    moderator = await api.person("moderator")
    people: dict[str, Person | None] = {
        "anonymous": None, "author": author, "other": await api.person(),
        "moderator": moderator, "admin": admin}
    await api.challenge(admin)
    submission = await api.submit(author)
    comment = await api.http.post(f"/submissions/{submission['id']}/comments",
                                  json={"body": "First!"}, headers=author.headers)
    ids = {"s": submission["id"], "m": comment.json()["id"], "a": 0}
    if "{a}" in case.path:  # an action to undo
        done = await api.http.post("/moderation/decisions", headers=moderator.headers, json={
            "targets": [{"type": "submission", "id": ids["s"]}], "action": "hide"})
        assert done.status_code == 201, done.text
        ids["a"] = done.json()["action"]["id"]
    path = case.path.format(c="change", **ids)
    caller = people[role]
    r = await api.http.request(case.method, path, json=_fill(case.body, ids),
                               headers=caller.headers if caller else {})
    assert r.status_code == case.status(role), r.text
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == r.status_code
