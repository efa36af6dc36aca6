"""Challenges: create and edit (admins), list and read (anyone)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import DAY, TestApi, challenge_spec, phase


async def test_create_and_read(api: TestApi) -> None:
    made = await api.challenge()
    assert [p["name"] for p in made["phases"]] == ["Understand", "Share and prioritise"]
    assert made["current_phase"]["name"] == "Share and prioritise"
    assert [p["kind"] for p in made["prompts"]] == ["story", "idea"]
    got = (await api.http.get("/challenges/change")).json()
    assert got == {**made, "submissions": 0, "participants": 0}


@pytest.mark.parametrize("override, field", [
    ({"slug": "Has Spaces"}, "slug"),
    ({"prompts": []}, "prompts"),
    ({"themes": ["A", "a"]}, "themes"),
    ({"phases": [phase("x", DAY, -DAY)]}, "phases"),
    ({"phases": [phase("a", -DAY, 2 * DAY), phase("b", DAY, 3 * DAY)]}, "phases"),
    ({"phases": [{"name": "n", "starts_at": "2026-01-01T00:00:00",
                  "ends_at": "2026-02-01T00:00:00"}]}, "phases"),
])
async def test_create_rejects_inconsistent_challenges(api: TestApi, override: dict[str, Any],
                                                      field: str) -> None:
    admin = await api.person("admin")
    r = await api.http.post("/challenges", json=challenge_spec(**override),
                            headers=admin.headers)
    assert r.status_code == 422, r.text
    assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()


async def test_duplicate_slug_is_409(api: TestApi) -> None:
    admin = await api.person("admin")
    await api.challenge(admin)
    r = await api.http.post("/challenges", json=challenge_spec(), headers=admin.headers)
    assert r.status_code == 409


async def test_patch_replaces_phases_and_keeps_the_rest(api: TestApi) -> None:
    admin = await api.person("admin")
    await api.challenge(admin)
    r = await api.http.patch("/challenges/change", headers=admin.headers, json={
        "phases": [phase("Vote", -DAY, DAY, votes=True, show_counts=False, vote_budget=5)]})
    assert r.status_code == 200
    body = r.json()
    assert [p["name"] for p in body["phases"]] == ["Vote"]
    assert body["current_phase"]["vote_budget"] == 5
    assert body["title"] == "Bottom-up change"
    assert (await api.http.patch("/challenges/nope", headers=admin.headers,
                                 json={"title": "x"})).status_code == 404


async def test_list_pages_with_a_cursor(api: TestApi) -> None:
    admin = await api.person("admin")
    for i in range(5):
        await api.challenge(admin, slug=f"c{i}")
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.http.get("/challenges", params=params)).json()
        seen += [c["slug"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["c4", "c3", "c2", "c1", "c0"]
    bad = await api.http.get("/challenges", params={"cursor": "garbage"})
    assert bad.status_code == 422


async def test_counts_in_the_list(api: TestApi) -> None:
    await api.challenge()
    a, b = await api.person(), await api.person()
    await api.submit(a)
    made = await api.submit(b)
    await api.http.put(f"/submissions/{made['id']}/vote", json={"value": 1}, headers=a.headers)
    (item,) = (await api.http.get("/challenges")).json()["items"]
    assert (item["submissions"], item["participants"]) == (2, 2)


async def test_a_phase_change_applies_at_once_despite_the_cache(api: TestApi) -> None:
    admin = await api.person("admin")
    await api.challenge(admin)
    user = await api.person()
    listed = await api.http.get("/challenges/change/submissions", params={"sort": "top"},
                                headers=user.headers)
    assert listed.status_code == 200  # the phases are now cached
    r = await api.http.patch("/challenges/change", headers=admin.headers, json={
        "phases": [phase("Vote", -DAY, DAY, votes=True, show_counts=False)]})
    assert r.status_code == 200
    hidden = await api.http.get("/challenges/change/submissions", params={"sort": "top"},
                                headers=user.headers)
    assert hidden.status_code == 403
    assert hidden.json()["title"] == "Counts hidden"
