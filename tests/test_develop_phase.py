"""The phase field ``develop``: stored, read back, defaulting to false, and replaced
with the phases; the migration adds it to existing databases (both databases)."""

from __future__ import annotations

from tests.support import DAY, TestApi, challenge_spec, open_phase, phase


async def test_develop_is_stored_and_read_back(api: TestApi) -> None:
    made = await api.challenge(phases=[
        open_phase(), phase("Develop", 5 * DAY, 20 * DAY, develop=True)])
    assert [p["develop"] for p in made["phases"]] == [False, True]
    r = await api.http.get("/challenges/change")
    assert [p["develop"] for p in r.json()["phases"]] == [False, True]
    assert r.json()["current_phase"]["develop"] is False


async def test_develop_defaults_to_false_and_patch_replaces_it(api: TestApi) -> None:
    admin = await api.person("admin")
    made = await api.challenge(admin)
    assert all(p["develop"] is False for p in made["phases"])
    r = await api.http.patch("/challenges/change", headers=admin.headers,
                             json={"phases": [open_phase(develop=True)]})
    assert r.status_code == 200, r.text
    assert r.json()["current_phase"]["develop"] is True
    r = await api.http.get("/challenges")
    assert r.json()["items"][0]["current_phase"]["develop"] is True


async def test_develop_must_be_a_boolean(api: TestApi) -> None:
    admin = await api.person("admin")
    spec = challenge_spec(phases=[open_phase(develop="yes")])
    r = await api.http.post("/challenges", json=spec, headers=admin.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "phases.0.develop"
