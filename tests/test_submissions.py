"""Submissions: create, read, edit, withdraw; phases and moderation modes."""

from __future__ import annotations

from tests.support import DAY, TestApi, open_phase, phase


async def test_create_fills_in_what_the_server_decides(api: TestApi) -> None:
    await api.challenge(anonymous_default=True)
    who = await api.person()
    made = await api.submit(who, kind="idea", themes=["permission to act", "Data and evidence"])
    assert made["status"] == "published"
    assert made["anonymous"] is True  # the challenge's default
    assert made["author"] is None and made["is_mine"] is True
    assert made["themes"] == ["Data and evidence", "Permission to act"]
    assert (made["up"], made["down"], made["score"], made["comments"]) == (0, 0, 0.0, 0)
    named = await api.submit(who, anonymous=False)
    assert named["author"]["id"] == who.id


async def test_unknown_theme_and_kind(api: TestApi) -> None:
    await api.challenge(prompts=[{"kind": "story", "question": "What works?"}])
    who = await api.person()
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": "t", "body": "b", "themes": ["Parking"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "themes"
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "idea", "title": "t", "body": "b"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = await api.http.post("/challenges/change/submissions", headers=who.headers, json={
        "kind": "story", "title": "t", "body": "b", "themes": ["a", "b", "c", "d"]})
    assert r.status_code == 422


async def test_unknown_challenge_is_404(api: TestApi) -> None:
    who = await api.person()
    r = await api.http.post("/challenges/nope/submissions", headers=who.headers,
                            json={"kind": "story", "title": "t", "body": "b"})
    assert r.status_code == 404
    assert (await api.http.get("/challenges/nope/submissions")).status_code == 404


async def test_closed_phase_refuses_submissions(api: TestApi) -> None:
    await api.challenge(phases=[
        phase("Understand", -10 * DAY, -DAY, submissions=True),
        phase("Develop", DAY, 10 * DAY, comments=True)])
    who = await api.person()
    r = await api.http.post("/challenges/change/submissions", headers=who.headers,
                            json={"kind": "story", "title": "t", "body": "b"})
    assert r.status_code == 403
    problem = r.json()
    assert problem["type"] == "/problems/phase-closed"
    assert "Develop" in problem["detail"]  # says when things open again


async def test_the_server_clock_decides(api: TestApi) -> None:
    await api.challenge(phases=[open_phase()])
    who = await api.person()
    await api.submit(who)
    api.clock.advance(6 * DAY)  # the open phase has ended
    r = await api.http.post("/challenges/change/submissions", headers=who.headers,
                            json={"kind": "story", "title": "t", "body": "b"})
    assert r.status_code == 403 and r.json()["type"] == "/problems/phase-closed"
    challenge = (await api.http.get("/challenges/change")).json()
    assert challenge["current_phase"] is None


async def test_pre_moderation_holds_new_items(api: TestApi) -> None:
    await api.challenge(moderation="pre")
    author, other, moderator = await api.person(), await api.person(), await api.person(
        "moderator")
    made = await api.submit(author)
    assert made["status"] == "pending" and made["status_reason"]
    path = f"/submissions/{made['id']}"
    assert (await api.http.get(path, headers=author.headers)).status_code == 200
    assert (await api.http.get(path, headers=moderator.headers)).status_code == 200
    assert (await api.http.get(path, headers=other.headers)).status_code == 404
    assert (await api.http.get(path)).status_code == 404
    listed = (await api.http.get("/challenges/change/submissions")).json()["items"]
    assert listed == []


async def test_author_edits_while_submissions_are_open(api: TestApi) -> None:
    await api.challenge()
    author, other = await api.person(), await api.person()
    made = await api.submit(author)
    path = f"/submissions/{made['id']}"
    r = await api.http.patch(path, headers=author.headers,
                             json={"title": "Better title", "themes": ["Time and capacity"]})
    assert r.status_code == 200
    assert r.json()["title"] == "Better title"
    assert r.json()["themes"] == ["Time and capacity"]
    assert r.json()["body"] == made["body"]  # left out, left alone
    assert (await api.http.patch(path, headers=other.headers,
                                 json={"title": "Hijack"})).status_code == 403
    assert (await api.http.patch(path, headers=author.headers,
                                 json={"status": "published"})).status_code == 422
    api.clock.advance(6 * DAY)
    late = await api.http.patch(path, headers=author.headers, json={"title": "Too late"})
    assert late.status_code == 403 and late.json()["type"] == "/problems/phase-closed"
    assert (await api.http.get(path)).json()["title"] == "Better title"


async def test_withdraw(api: TestApi) -> None:
    await api.challenge()
    author, other = await api.person(), await api.person()
    made = await api.submit(author)
    path = f"/submissions/{made['id']}"
    assert (await api.http.delete(path, headers=other.headers)).status_code == 403
    assert (await api.http.delete(path, headers=author.headers)).status_code == 204
    assert (await api.http.delete(path, headers=author.headers)).status_code == 204
    mine = (await api.http.get(path, headers=author.headers)).json()
    assert mine["status"] == "withdrawn"
    assert (await api.http.get(path, headers=other.headers)).status_code == 404
    assert (await api.http.get("/challenges/change/submissions")).json()["items"] == []
    edit = await api.http.patch(path, headers=author.headers, json={"title": "Back"})
    assert edit.status_code == 409


async def test_ids_out_of_range_are_422(api: TestApi) -> None:
    for path in (f"/submissions/{2**40}", "/submissions/0", "/submissions/abc"):
        r = await api.http.get(path)
        assert r.status_code == 422, path
