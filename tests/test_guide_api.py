"""The develop stage over the API, on both databases: suggestions, shortlisting, reading
and editing entries with If-Match, history and restore, anonymity, hostile text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from server.guide_tables import GuideVersionRow
from tests.guide_support import World, world
from tests.support import DAY, HOUR, TestApi, next_march, people, problem


async def _support(w: World, submission_id: int, n: int) -> None:
    for voter in await people(w.api, n):
        r = await w.http.put(f"/submissions/{submission_id}/vote", json={"value": 1},
                             headers=voter.headers)
        assert r.status_code == 200, r.text


async def test_the_whole_flow(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit(title="Ten-minute huddles", body="We met daily.",
                           themes=["Time and capacity"])
    w.develop()
    r = await w.http.get("/challenges/change/guide/suggestions", headers=w.moderator.headers)
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["submissions"][0]["id"] == story["id"]
    entry = await w.shortlist(story["id"])
    await w.add_contributor(entry["id"], w.contributor)
    r = await w.patch(entry["id"], w.contributor, 2, body="## What it is\n\nHuddles.")
    assert r.status_code == 200 and r.json()["version"] == 3, r.text
    r = await w.http.put(f"/guide/entries/{entry['id']}/pledge", json={"note": "Ward 7"},
                         headers=w.participant.headers)
    assert r.status_code == 200, r.text
    r = await w.http.post(f"/guide/entries/{entry['id']}/comments", json={"body": "Yes!"},
                          headers=w.participant.headers)
    assert r.status_code == 201, r.text
    review = next_march().isoformat()
    r = await w.patch(entry["id"], w.moderator, 3, status="testing", review_on=review)
    assert r.status_code == 200, r.text
    seen = await w.entry(entry["id"], w.participant)
    assert (seen["status"], seen["review_on"], seen["version"]) == ("testing", review, 4)
    assert [p["note"] for p in seen["pledges"]] == ["Ward 7"]
    assert seen["my_pledge"]["note"] == "Ward 7" and seen["comments"] == 1
    assert seen["can_edit"] is False
    assert (await w.entry(entry["id"], w.contributor))["can_edit"] is True


async def test_suggestions_rank_per_theme_and_leave_out_the_guide(api: TestApi) -> None:
    w = await world(api)
    best = await w.submit(title="Best", themes=["Time and capacity"])
    second = await w.submit(title="Second", themes=["Time and capacity", "Permission to act"])
    third = await w.submit(title="Third", themes=["Time and capacity"])
    bare = await w.submit(title="No theme")
    withdrawn = await w.submit(title="Gone", themes=["Time and capacity"])
    await _support(w, best["id"], 3)
    await _support(w, second["id"], 1)
    await _support(w, withdrawn["id"], 5)
    r = await w.http.delete(f"/submissions/{withdrawn['id']}", headers=w.author.headers)
    assert r.status_code == 204
    w.develop()

    async def suggested(per_theme: int) -> dict[str | None, list[int]]:
        r = await w.http.get("/challenges/change/guide/suggestions",
                             params={"per_theme": per_theme}, headers=w.admin.headers)
        assert r.status_code == 200, r.text
        return {g["theme"]: [s["id"] for s in g["submissions"]] for g in r.json()["items"]}

    assert await suggested(2) == {"Time and capacity": [best["id"], second["id"]],
                                  "Permission to act": [second["id"]],
                                  "Data and evidence": [], None: [bare["id"]]}
    await w.shortlist(best["id"])
    await w.shortlist(bare["id"])
    assert await suggested(5) == {"Time and capacity": [second["id"], third["id"]],
                                  "Permission to act": [second["id"]],
                                  "Data and evidence": []}
    for per_theme in (0, 51):
        r = await w.http.get("/challenges/change/guide/suggestions",
                             params={"per_theme": per_theme}, headers=w.admin.headers)
        problem(r, 422)


async def test_shortlisting_builds_the_entry_from_the_submission(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit(title="Huddles", body="We met daily.\n\nIt worked.",
                           themes=["Permission to act", "Time and capacity"])
    dupe = await w.submit(w.participant, title="Morning huddles", body="Same idea.")
    other = await w.submit(w.participant, title="Other", body="Else.")
    fresh = await w.submit(title="Late")
    gone = await w.submit(title="Gone")
    assert (await w.http.delete(f"/submissions/{gone['id']}", headers=w.author.headers)
            ).status_code == 204
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "merge", "targets": [{"type": "submission", "id": dupe["id"]}],
        "merge_into": story["id"]})
    assert r.status_code == 201, r.text
    w.develop()
    r = await w.http.post("/challenges/change/guide/entries",
                          json={"submission_id": story["id"]}, headers=w.moderator.headers)
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    entry = r.json()
    assert (entry["title"], entry["status"], entry["version"]) == ("Huddles", "proposed", 1)
    assert entry["theme"] == "Time and capacity"  # the first in the challenge's order
    assert entry["lead"]["id"] == w.author.id and entry["contributors"] == []
    assert entry["sources"] == [story["id"], dupe["id"]]
    body = entry["body"]
    headings = ["## What it is", "## How to start", "## What to watch out for", "## Evidence"]
    assert [body.index(h) for h in headings] == sorted(body.index(h) for h in headings)
    assert "> We met daily.\n>\n> It worked." in body
    assert f"#{story['id']}" in body and f"#{dupe['id']}" in body
    second = await w.shortlist(other["id"], theme="data and EVIDENCE")
    assert (second["position"], second["theme"]) == (entry["position"] + 1, "Data and evidence")
    r = await w.http.post("/challenges/change/guide/entries",
                          json={"submission_id": story["id"]}, headers=w.moderator.headers)
    problem(r, 409)
    r = await w.http.post("/challenges/change/guide/entries",
                          json={"submission_id": dupe["id"]}, headers=w.moderator.headers)
    problem(r, 409)  # merged: it is in the guide as a source already
    r = await w.http.post("/challenges/change/guide/entries",
                          json={"submission_id": 999_999}, headers=w.moderator.headers)
    problem(r, 422, field="submission_id")
    r = await w.http.post("/challenges/change/guide/entries",
                          json={"submission_id": gone["id"]}, headers=w.moderator.headers)
    assert "withdrawn" in problem(r, 409)["detail"]
    r = await w.http.post("/challenges/change/guide/entries", headers=w.moderator.headers,
                          json={"submission_id": fresh["id"], "theme": "Nope"})
    problem(r, 422, field="theme")
    r = await w.http.post("/challenges/change/guide/entries", headers=w.moderator.headers,
                          json={"submission_id": fresh["id"], "extra": 1})
    problem(r, 422, field="extra")


async def test_anonymous_authors_stay_anonymous_in_entries_and_sources(api: TestApi) -> None:
    w = await world(api)
    secret = await w.submit(title="Quiet fix", body="Nobody knows.", anonymous=True)
    named = await w.submit(w.participant, title="Named", body="Me.")
    w.develop()
    entry = await w.shortlist(secret["id"])
    assert entry["lead"] is None
    r = await w.patch(entry["id"], w.moderator, 1,
                      body=f"See #{secret['id']} and #{named['id']}.")
    assert r.status_code == 200, r.text
    for who in (w.participant, w.moderator, w.admin):
        seen = await w.entry(entry["id"], who)
        refs = {s["id"]: s for s in seen["source_refs"]}
        assert refs[secret["id"]].get("author") is None
        assert refs[named["id"]]["author"]["id"] == w.participant.id
        assert seen["lead"] is None and seen["contributors"] == []


async def test_a_stale_edit_is_412_with_the_current_entry(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit()
    w.develop()
    entry = await w.shortlist(story["id"])
    first = await w.patch(entry["id"], w.author, 1, body="First edit.")
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    r = await w.patch(entry["id"], w.author, 1, body="Overwrite?")
    body = problem(r, 412, "/problems/edit-conflict")
    assert body["current"]["version"] == 2 and body["current"]["body"] == "First edit."
    assert r.headers["etag"] == '"2"'
    assert (await w.entry(entry["id"]))["body"] == "First edit."


async def test_if_match_is_required_and_read_in_every_form(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit()
    w.develop()
    entry = await w.shortlist(story["id"])
    problem(await w.patch(entry["id"], w.author, None, body="x"), 428,
            "/problems/precondition-required")
    for bad in ("*", "abc", '"1', "1, 2", "-1"):
        problem(await w.patch(entry["id"], w.author, bad, body="x"), 422, field="If-Match")
    for version, form in enumerate(("1", '"2"', 'W/"3"', ' "4" '), start=1):
        r = await w.patch(entry["id"], w.author, form, body=f"Edit {version}")
        assert r.status_code == 200 and r.json()["version"] == version + 1, (form, r.text)
    # Nothing to change: no new version, but the version it names is checked still.
    r = await w.patch(entry["id"], w.author, 5)
    assert r.status_code == 200 and r.json()["version"] == 5, r.text
    problem(await w.patch(entry["id"], w.author, 4), 412)
    problem(await w.patch(entry["id"], w.participant, 5), 403)


async def test_the_unique_version_backstop_is_a_412_not_a_500(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit()
    w.develop()
    entry = await w.shortlist(story["id"])
    # A version 2 row that the entry's counter does not know of: the claim succeeds,
    # the insert of version 2 hits the unique (entry_id, version) constraint.
    async with api.db.write() as session:
        await session.execute(insert(GuideVersionRow).values(
            entry_id=entry["id"], version=2, title="t", status="proposed", body="b",
            created_at=api.clock()))
        await session.commit()
    r = await w.patch(entry["id"], w.author, 1, body="Mine.")
    problem(r, 412, "/problems/edit-conflict")
    assert (await w.entry(entry["id"]))["version"] == 1  # the claim was rolled back


async def test_history_and_restore_as_a_new_version(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit()
    w.develop()
    entry = await w.shortlist(story["id"])
    for n in range(2, 6):
        r = await w.patch(entry["id"], w.author, n - 1, body=f"Text {n}", title=f"Title {n}")
        assert r.status_code == 200, r.text
    r = await w.http.get(f"/guide/entries/{entry['id']}/versions", params={"limit": 3},
                         headers=w.author.headers)
    page = r.json()
    assert [v["version"] for v in page["items"]] == [5, 4, 3]
    assert all(v["body"] is None for v in page["items"])
    r = await w.http.get(f"/guide/entries/{entry['id']}/versions",
                         params={"cursor": page["next_cursor"]}, headers=w.author.headers)
    assert [v["version"] for v in r.json()["items"]] == [2, 1]
    assert r.json()["items"][1]["author"]["id"] == w.moderator.id
    r = await w.patch(entry["id"], w.author, 5, restored_from=3)
    restored = r.json()
    assert (restored["version"], restored["body"], restored["title"]) == (6, "Text 3", "Title 3")
    r = await w.http.get(f"/guide/entries/{entry['id']}/versions/6", headers=w.author.headers)
    assert (r.json()["restored_from"], r.json()["body"]) == (3, "Text 3")
    r = await w.http.get(f"/guide/entries/{entry['id']}/versions/1", headers=w.author.headers)
    assert r.json()["body"] == entry["body"]
    problem(await w.http.get(f"/guide/entries/{entry['id']}/versions/99",
                             headers=w.author.headers), 404)
    problem(await w.patch(entry["id"], w.author, 6, restored_from=99), 422,
            field="restored_from")
    r = await w.patch(entry["id"], w.author, 6, restored_from=2, title="Mine")
    assert (r.json()["title"], r.json()["body"]) == ("Mine", "Text 2")  # given beats restored


async def test_entries_list_in_guide_order_page_by_page(api: TestApi) -> None:
    w = await world(api)
    ids = [(await w.submit(title=f"S{i}"))["id"] for i in range(5)]
    w.develop()
    made = [(await w.shortlist(s))["id"] for s in ids]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await w.http.get("/challenges/change/guide/entries", params=params,
                             headers=w.participant.headers)
        assert r.status_code == 200, r.text
        seen += [e["id"] for e in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == made


async def test_hostile_text_is_stored_as_typed(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit(title="[b]Bold[/b]", body="[@click=app.quit]x[/] <script>")
    w.develop()
    entry = await w.shortlist(story["id"])
    assert entry["title"] == "[b]Bold[/b]"
    assert "> [@click=app.quit]x[/] <script>" in entry["body"]
    text = "[/]\n[@click=app.quit]quit[/]\n`$(rm -rf)` %s {0}\n\x1b[31mred\u202e"
    r = await w.patch(entry["id"], w.author, 1, title="[red]T[/red]", body=text)
    assert r.status_code == 200, r.text
    kept = await w.entry(entry["id"])
    # As typed, minus control characters and bidi overrides (the input hygiene rule).
    assert kept["body"] == "[/]\n[@click=app.quit]quit[/]\n`$(rm -rf)` %s {0}\n[31mred"
    assert kept["title"] == "[red]T[/red]"


async def test_edits_with_personal_data_hold_the_entry(api: TestApi) -> None:
    w = await world(api)
    story = await w.submit()
    w.develop()
    entry = await w.shortlist(story["id"])
    r = await w.patch(entry["id"], w.author, 1, body="Call Mrs Smith on 07700 900123.")
    assert r.status_code == 200, r.text
    assert r.json()["moderation_status"] == "pending"
    assert "phone number" in r.json()["moderation_reason"]
    problem(await w.http.get(f"/guide/entries/{entry['id']}",
                             headers=w.participant.headers), 404)
    r = await w.http.get("/challenges/change/guide/entries", headers=w.participant.headers)
    assert r.json()["items"] == []
    r = await w.http.get("/moderation/queue", params={"type": "entry"},
                         headers=w.moderator.headers)
    (item,) = r.json()["items"]
    assert (item["id"], item["queued_for"], item["author"]["id"]) == (
        entry["id"], ["pending"], w.author.id)
    assert item["personal_data"][0]["kind"] == "phone"
    r = await w.patch(entry["id"], w.author, 2, body="Call the ward manager.")
    assert r.json()["moderation_status"] == "published"  # the text holding it is gone
    assert (await w.entry(entry["id"], w.participant))["version"] == 3


async def test_a_held_entry_waits_in_the_queue_from_when_it_was_held(api: TestApi) -> None:
    """Not from when it was shortlisted: the queue shows the held edit's age, and puts
    it among what is queued by that time (oldest first), page after page."""
    w = await world(api)
    first = await w.submit(title="First")
    second = await w.submit(title="Second")
    w.develop()
    early = await w.shortlist(first["id"])  # shortlisted first, held last
    api.clock.advance(HOUR)
    late = await w.shortlist(second["id"])
    held_at = {}
    for entry in (late, early):
        api.clock.advance(DAY)
        r = await w.patch(entry["id"], w.author, 1, body="Call Mrs Smith on 07700 900123.")
        assert r.json()["moderation_status"] == "pending", r.text
        held_at[entry["id"]] = datetime.fromisoformat(r.json()["updated_at"])
    seen, cursor = [], None
    for _ in range(3):
        r = await w.http.get("/moderation/queue",
                             params={"type": "entry", "limit": 1,
                                     **({"cursor": cursor} if cursor else {})},
                             headers=w.moderator.headers)
        assert r.status_code == 200, r.text
        seen += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert [item["id"] for item in seen] == [late["id"], early["id"]]
    for item in seen:
        assert datetime.fromisoformat(item["created_at"]) == held_at[item["id"]]


async def test_a_review_date_is_for_the_challenges_life(api: TestApi) -> None:
    """Not before the year the challenge began, not more than five years ahead: 422 at
    the field, in words; the days at the edges are allowed."""
    w = await world(api)
    story = await w.submit()
    w.develop()
    entry = await w.shortlist(story["id"])
    today = api.clock().date()
    began = (today - DAY).year  # the share phase began a day before the world was made
    for day, said in (("1999-01-01", f"too early: the challenge began in {began}, so a "
                                     f"review is from 1 January {began}"),
                      (f"{began - 1}-12-31", "too early"),
                      ("9999-12-31", "too far ahead: a review is at most 5 years away"),
                      ((today.replace(year=today.year + 5) + DAY).isoformat(),
                       "too far ahead")):
        r = await w.patch(entry["id"], w.moderator, 1, review_on=day)
        body = problem(r, 422)
        (error,) = body["errors"]
        assert error["field"] == "review_on" and error["message"].startswith(said), error
    version = 1
    for day in (f"{began}-01-01", today.replace(year=today.year + 5).isoformat()):
        r = await w.patch(entry["id"], w.moderator, version, review_on=day)
        assert r.status_code == 200 and r.json()["review_on"] == day, r.text
        version += 1
