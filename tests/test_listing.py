"""GET /challenges/{slug}/submissions: sorts, keyset paging, filters, search, visibility."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from server import listing, search
from server.ranking import SHUFFLE_PRIME, shuffle_key, shuffle_params, wilson_lower_bound
from server.routes import submissions as submission_routes
from server.tables import ChallengeRow
from tests.moderation_support import decided
from tests.support import Person, TestApi, open_phase, people, problem

LIST = "/challenges/change/submissions"


async def page(api: TestApi, who: Person | None = None, slug: str = "change",
               **params: Any) -> dict[str, Any]:
    r = await api.http.get(f"/challenges/{slug}/submissions", params={"limit": 100, **params},
                           headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def ids(api: TestApi, who: Person | None = None, slug: str = "change",
              **params: Any) -> list[int]:
    return [s["id"] for s in (await page(api, who, slug, **params))["items"]]


async def walk(api: TestApi, who: Person | None, **params: Any) -> list[int]:
    """Every page, limit=3, following next_cursor to the end."""
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(50):
        query = {**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = await page(api, who, **query)
        assert len(body["items"]) <= 3
        seen += [s["id"] for s in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("paging never ended")


async def vote(api: TestApi, who: Person, sid: int, value: int) -> None:
    r = await api.http.put(f"/submissions/{sid}/vote", json={"value": value},
                           headers=who.headers)
    assert r.status_code == 200, r.text


async def comment(api: TestApi, who: Person, sid: int) -> None:
    r = await api.http.post(f"/submissions/{sid}/comments", json={"body": "Agreed."},
                            headers=who.headers)
    assert r.status_code == 201, r.text


async def test_sort_new_is_newest_first(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    made = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(5)]
    assert await ids(api, sort="new") == made[::-1]
    assert await ids(api) == made[::-1]  # the default sort


async def test_sort_top_by_wilson_bound_ties_to_newer(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    voters = await people(api, 6)
    tallies = [(0, 0), (2, 0), (1, 0), (4, 1), (2, 0), (0, 2), (3, 3)]
    made: list[int] = []
    for i, (up, down) in enumerate(tallies):
        sid = (await api.submit(author, title=f"Item {i}"))["id"]
        made.append(sid)
        for n, voter in enumerate(voters[:up + down]):
            await vote(api, voter, sid, 1 if n < up else -1)
    expected = sorted(made, key=lambda s: (wilson_lower_bound(*tallies[made.index(s)]), s),
                      reverse=True)
    assert expected != made[::-1]  # the counts, not the age, decide
    items = (await page(api, sort="top"))["items"]
    assert [s["id"] for s in items] == expected
    for s in items:
        up, down = tallies[made.index(s["id"])]
        assert (s["up"], s["down"]) == (up, down)
        assert s["score"] == wilson_lower_bound(up, down)


async def test_sort_discussed_by_comment_count(api: TestApi) -> None:
    await api.challenge()
    author, talker = await api.person(), await api.person()
    counts = [2, 0, 3, 0, 1, 2]
    made: list[int] = []
    for i, n in enumerate(counts):
        sid = (await api.submit(author, title=f"Item {i}"))["id"]
        made.append(sid)
        for _ in range(n):
            await comment(api, talker, sid)
    expected = sorted(made, key=lambda s: (counts[made.index(s)], s), reverse=True)
    items = (await page(api, sort="discussed"))["items"]
    assert [s["id"] for s in items] == expected
    assert [s["comments"] for s in items] == sorted(counts, reverse=True)


async def test_sort_random_is_a_stable_per_user_shuffle(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    one, two = await people(api, 2)
    made = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(20)]
    first = await ids(api, one, sort="random")
    assert sorted(first) == sorted(made)
    assert await ids(api, one, sort="random") == first
    other = await ids(api, two, sort="random")
    assert sorted(other) == sorted(made)
    assert other != first
    async with api.db.read() as session:
        cid = (await session.execute(select(ChallengeRow.id))).scalar_one()
    for who, order in ((one, first), (two, other)):
        a, b = shuffle_params(f"user:{who.id}", cid)
        assert order == sorted(made, key=lambda sid: shuffle_key(sid, a, b))  # SQL = Python
        assert order not in (sorted(made), sorted(made, reverse=True))


def test_shuffle_key_is_a_bijection_that_scatters_neighbours() -> None:
    for viewer in ("user:1", "user:2", "anonymous"):
        a, b = shuffle_params(viewer, 7)
        keys = [shuffle_key(i, a, b) for i in range(1, 20_001)]
        assert len(set(keys)) == len(keys)
        assert all(0 <= k < SHUFFLE_PRIME for k in keys)
    # A small multiplier only rotated a run of ids; the key must not keep their order.
    run = [shuffle_key(i, 3, 0) for i in range(100, 120)]
    assert run != sorted(run) and run != sorted(run, reverse=True)
    assert shuffle_key(2**31 - 2, 2**31 - 2, 2**31 - 2) < SHUFFLE_PRIME  # no overflow


async def test_keyset_paging_for_every_sort(api: TestApi) -> None:
    await api.challenge()
    author, viewer = await api.person(), await api.person()
    voters = await people(api, 2)
    made = [(await api.submit(author, title=f"Item {i}", kind="idea" if i % 3 else "story"))["id"]
            for i in range(11)]
    gone = made.pop(4)
    assert (await api.http.delete(f"/submissions/{gone}", headers=author.headers)
            ).status_code == 204
    # Ties in score and in comment count, so pages must break ties by id.
    for sid in (made[1], made[2], made[7]):
        await vote(api, voters[0], sid, 1)
    await vote(api, voters[1], made[7], 1)
    for sid in (made[2], made[5], made[8], made[8]):
        await comment(api, voters[0], sid)
    runs: list[tuple[str, Person | None]] = [("new", None), ("top", viewer),
                                             ("discussed", None), ("random", viewer),
                                             ("random", None)]
    for sort, who in runs:
        whole = await ids(api, who, sort=sort)
        assert sorted(whole) == sorted(made), sort
        assert await walk(api, who, sort=sort) == whole, sort
    assert await walk(api, viewer, sort="new", kind="idea") == await ids(
        api, viewer, sort="new", kind="idea")


async def test_bad_cursors_and_limits(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    for i in range(4):
        await api.submit(author, title=f"Item {i}", kind="story" if i % 2 else "idea")
    cursor = (await page(api, sort="new", limit=1))["next_cursor"]
    story_cursor = (await page(api, sort="new", kind="story", limit=1))["next_cursor"]
    assert cursor and story_cursor
    tampered = [cursor[: len(cursor) // 2], cursor + "AAAA", "not a cursor!", "e30",
                base64.urlsafe_b64encode(b"[1, 2]").decode()]
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        data = None
    if isinstance(data, dict):  # an inspectable cursor: swap its values for junk
        for junk in ("x", 2**70, None, [[1]]):
            forged = {k: [junk] if isinstance(v, list) else v for k, v in data.items()}
            tampered.append(base64.urlsafe_b64encode(json.dumps(forged).encode()).decode())
    for bad in tampered:
        r = await api.http.get(LIST, params={"sort": "new", "cursor": bad})
        problem(r, 422, field="cursor")
    for params in ({"sort": "random"}, {"sort": "top"}, {"sort": "discussed"},
                   {"sort": "new", "kind": "idea"}, {"sort": "new", "theme": "Permission to act"}):
        problem(await api.http.get(LIST, params={**params, "cursor": cursor}), 422,
                field="cursor")
    problem(await api.http.get(LIST, params={"kind": "idea", "cursor": story_cursor}), 422,
            field="cursor")
    for limit in (0, 101, -1):
        problem(await api.http.get(LIST, params={"limit": limit}), 422)


async def test_kind_and_theme_filters(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    story_a = (await api.submit(author, kind="story", themes=["Time and capacity"]))["id"]
    idea_a = (await api.submit(author, kind="idea",
                               themes=["Time and capacity", "Permission to act"]))["id"]
    story_b = (await api.submit(author, kind="story", themes=["Permission to act"]))["id"]
    idea_b = (await api.submit(author, kind="idea"))["id"]
    assert await ids(api, kind="story") == [story_b, story_a]
    assert await ids(api, kind="idea") == [idea_b, idea_a]
    assert await ids(api, theme="Permission to act") == [story_b, idea_a]
    assert await ids(api, theme="Time and capacity") == [idea_a, story_a]
    assert await ids(api, theme="Time and capacity", kind="idea") == [idea_a]
    assert await ids(api, theme="Data and evidence") == []
    problem(await api.http.get(LIST, params={"kind": "poem"}), 422)


async def test_full_text_search(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    ward = (await api.submit(author, title="Protected time for improvement",
                             body="Ward managers blocked an hour every week."))["id"]
    huddle = (await api.submit(author, title="Daily safety huddles",
                               body="A short standup with physiotherapy colleagues."))["id"]
    rota = (await api.submit(author, title="Rota swaps by text",
                             body="Nurses arranged swaps on a shared phone."))["id"]
    assert await ids(api, q="physiotherapy") == [huddle]  # a word in the body
    assert await ids(api, q="rota") == [rota]  # a word in the title
    assert await ids(api, q="managers hour") == [ward]  # every word must match
    assert await ids(api, q="managers phone") == []  # each is in a different item
    assert await ids(api, q="improvement", kind="idea") == []
    assert await ids(api, q="empty  ") == []  # no matches: an empty page
    assert (await page(api, q="zebra"))["next_cursor"] is None
    for q in ['"', "*", "AND(", "NEAR", "NEAR(rota", '"unclosed', "rota*", "title:rota",
              "-", "()", "'", "a OR", "^", "\\", "%_", "ro'ta"]:
        r = await api.http.get(LIST, params={"q": q})
        assert r.status_code == 200, (q, r.text)
    assert await ids(api, q="physio") == [huddle]  # a prefix of the last word


async def test_pending_withdrawn_and_hidden_are_not_listed(api: TestApi) -> None:
    await api.challenge()
    await api.challenge(slug="vetted", moderation="pre")
    author, other = await api.person(), await api.person()
    flaggers = await people(api, 3)
    kept = (await api.submit(author, title="Kept"))["id"]
    withdrawn = (await api.submit(author, title="Withdrawn"))["id"]
    hidden = (await api.submit(author, title="Hidden"))["id"]
    pending = await api.submit(author, slug="vetted", title="Pending")
    assert pending["status"] == "pending"
    assert (await api.http.delete(f"/submissions/{withdrawn}", headers=author.headers)
            ).status_code == 204
    for flagger in flaggers:
        r = await api.http.post(f"/submissions/{hidden}/flags", json={"reason": "spam"},
                                headers=flagger.headers)
        assert r.status_code == 201, r.text
    for who in (None, other, author):
        assert await ids(api, who) == [kept]
        assert await ids(api, who, slug="vetted") == []
        assert await ids(api, who, q="withdrawn hidden pending") == []
    for sid in (withdrawn, hidden, pending["id"]):
        assert (await api.http.get(f"/submissions/{sid}", headers=other.headers)
                ).status_code == 404


async def test_counts_hidden_while_the_phase_says_so(api: TestApi) -> None:
    await api.challenge(phases=[open_phase(show_counts=False)])
    author, voter, moderator = await api.person(), await api.person(), await api.person(
        "moderator")
    admin = await api.person("admin")
    sid = (await api.submit(author))["id"]
    await vote(api, voter, sid, 1)
    # Nobody sees them, moderators and admins included (issue 15: only an audited
    # reveal-counts shows them).
    viewers: list[Person | None] = [voter, author, None, moderator, admin]
    for who in viewers:
        (item,) = (await page(api, who))["items"]
        assert (item["up"], item["down"], item["score"]) == (None, None, None)
        one = (await api.http.get(f"/submissions/{sid}",
                                  headers=who.headers if who else {})).json()
        assert (one["up"], one["down"], one["score"]) == (None, None, None)
        r = await api.http.get(LIST, params={"sort": "top"},
                               headers=who.headers if who else {})
        problem(r, 403, type_="/problems/counts-hidden")
    assert (await api.http.get(f"/submissions/{sid}", headers=voter.headers)
            ).json()["my_vote"] == 1
    (item,) = (await page(api, moderator, sort="new"))["items"]
    assert (item["up"], item["down"], item["score"]) == (None, None, None)
    assert (await api.http.get(f"/submissions/{sid}", headers=moderator.headers)
            ).json()["my_vote"] is None


async def test_anonymous_author_is_hidden_but_from_moderators(api: TestApi) -> None:
    await api.challenge()
    author, other = await api.person(), await api.person()
    moderator, admin = await api.person("moderator"), await api.person("admin")
    named = (await api.submit(author, title="Named", anonymous=False))["id"]
    hidden = (await api.submit(author, title="Anonymous", anonymous=True))["id"]
    viewers: list[tuple[Person | None, bool]] = [(None, False), (other, False),
                                                 (moderator, True), (admin, True)]
    for who, sees_author in viewers:
        headers = who.headers if who else {}
        listed = {s["id"]: s for s in (await page(api, who))["items"]}
        assert set(listed) == {named, hidden}
        for sid, anonymous in ((named, False), (hidden, True)):
            one = (await api.http.get(f"/submissions/{sid}", headers=headers)).json()
            for item in (listed[sid], one):
                assert item["anonymous"] is anonymous
                assert item["is_mine"] is False
                if sees_author or not anonymous:
                    assert item["author"]["id"] == author.id
                else:
                    assert item["author"] is None
    mine = (await page(api, author))["items"]
    assert [s["is_mine"] for s in mine] == [True, True]
    assert (await api.http.get(f"/submissions/{hidden}", headers=author.headers)
            ).json()["is_mine"] is True


def planned_shapes(monkeypatch: pytest.MonkeyPatch) -> list[listing.Shape]:
    """The shapes of the page queries run from here on (to see which way a search went)."""
    shapes: list[listing.Shape] = []
    plan = listing.plan

    def recording(shape: listing.Shape) -> Any:
        shapes.append(shape)
        return plan(shape)

    monkeypatch.setattr(listing, "plan", recording)
    return shapes


@pytest.mark.parametrize("sort", ["new", "top", "discussed", "random"])
async def test_search_finds_the_same_whether_its_word_is_rare_or_common(
        api: TestApi, app: FastAPI, monkeypatch: pytest.MonkeyPatch, sort: str) -> None:
    """Up to search.FEW matches are looked up by key, more are found another way (on
    SQLite, by walking the text index or the sort's index; on PostgreSQL, first among
    the first WALK_ROWS rows of the order, then through the text index): all agree,
    page after page, however the matches and the rest interleave."""
    await api.challenge()
    author, voter = await api.person(), await api.person()
    made, other = [], []
    for i in range(7):
        made.append((await api.submit(author, title=f"Handover note {i}",
                                      body="Discharge planning starts at admission."))["id"])
        other.append((await api.submit(author, title=f"Unrelated {i}",
                                       body="Nothing to find here."))["id"])
    for sid in (made[2], other[1], other[5], made[6]):
        await vote(api, voter, sid, 1)
    for sid in (made[4], other[3], other[3]):
        await comment(api, voter, sid)
    shapes = planned_shapes(monkeypatch)
    by_key = await walk(api, voter, q="discharge plan", sort=sort)
    assert sorted(by_key) == sorted(made)
    if sort == "new":
        assert by_key == sorted(made, reverse=True)
    monkeypatch.setattr(search, "FEW", 2)
    monkeypatch.setattr(submission_routes, "WALK_MARGIN", 0.0)  # walk whatever the guess
    for walk_rows in (listing.WALK_ROWS, 5, 0):  # a page found by walking, some, none
        monkeypatch.setattr(listing, "WALK_ROWS", walk_rows)
        app.state.services.pages.clear()  # asked again, not served from the page cache
        shapes.clear()
        assert await walk(api, voter, q="discharge plan", sort=sort) == by_key, walk_rows
        walked = any(shape.walk for shape in shapes)
        assert walked is (api.db.dialect == "postgresql" and sort != "random"), shapes


def test_an_unexpected_plan_only_skips_the_walk() -> None:
    append = [{"Plan": {"Node Type": "Append",
                        "Plans": [{"Plan Rows": 250}, {"Plan Rows": 1000}]}}]
    assert search.share_of(append) == 0.25
    for odd in ([], [{"Plan": {"Node Type": "Gather", "Plans": [{"Plan Rows": 3}]}}],
                [{"Plan": {"Plans": [{"Rows": 1}, {"Rows": 2}]}}], None, "text"):
        assert search.share_of(odd) == 0.0, odd


@pytest.mark.parametrize("sort", ["new", "top", "discussed", "random"])
async def test_a_walked_search_keeps_every_filter(
        api: TestApi, app: FastAPI, monkeypatch: pytest.MonkeyPatch, sort: str) -> None:
    """Kind, theme and ``mine`` apply inside the walk as outside it, for every viewer."""
    await api.challenge()
    author, other, voter = await api.person(), await api.person(), await api.person()
    made = []
    for i in range(24):
        word = "discharge" if i % 3 else "unrelated"
        made.append((await api.submit(author if i % 2 else other, title=f"{word} {i}",
                                      body=f"plan {word}", kind="idea" if i % 4 else "story",
                                      themes=["Time and capacity"] if i % 5 < 2 else [])
                     )["id"])
    for sid in made[::4]:
        await vote(api, voter, sid, 1)
    for sid in made[::5]:
        await comment(api, voter, sid)
    shapes, default_walk = planned_shapes(monkeypatch), listing.WALK_ROWS
    filters: list[dict[str, Any]] = [{"kind": "idea"}, {"theme": "Time and capacity"},
                                     {"kind": "story", "theme": "Time and capacity"},
                                     {"mine": "true"}]
    for who in (None, author, voter):
        for extra in filters:
            if "mine" in extra and who is None:
                continue
            params = {"q": "discharge", "sort": sort, **extra}
            monkeypatch.setattr(submission_routes, "WALK_MARGIN", 1e9)  # never walks
            app.state.services.pages.clear()
            expected = await walk(api, who, **params)
            monkeypatch.setattr(submission_routes, "WALK_MARGIN", 0.0)  # always walks
            for walk_rows in (default_walk, 4):  # the whole page in the walk, or not
                monkeypatch.setattr(listing, "WALK_ROWS", walk_rows)
                app.state.services.pages.clear()
                shapes.clear()
                assert await walk(api, who, **params) == expected, (who, extra, walk_rows)
                walked = any(shape.walk for shape in shapes)
                assert walked is (api.db.dialect == "postgresql" and sort != "random")


async def test_postgresql_guesses_how_many_match_before_walking(api: TestApi) -> None:
    """Whether a search walks the order first depends on PostgreSQL's estimate of the
    share of submissions that match, which is close once the table is analysed (with
    fewer than 100 common words, PostgreSQL guesses a prefix's share by default)."""
    if api.db.dialect != "postgresql":
        pytest.skip("an estimate from PostgreSQL's planner")
    await api.challenge()
    author = await api.person()
    vocabulary = [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(150)]
    for i in range(200):
        title = f"Rota swap {i}" if i % 4 else f"Phlebotomy clinic {i}"
        await api.submit(author, title=title,
                         body=" ".join(vocabulary[(3 * i + k) % 150] for k in range(3)))
    async with api.db.write() as session:
        await session.execute(text("ANALYZE submissions"))
        await session.commit()
    async with api.db.read() as session:
        total = (await session.execute(text("SELECT count(*) FROM submissions"))).scalar_one()
        for words, matching in (("rota", 150), ("phlebotomy", 50), ("zebra", 0)):
            prepared = search.prepare("postgresql", words)
            assert prepared is not None
            share = await search.estimated_share(session, *prepared)
            assert abs(share - matching / total) < 0.05, (words, share, matching / total)


async def test_mine_lists_my_own_in_every_status_with_the_reason(api: TestApi) -> None:
    await api.challenge()
    author, other, mod = await api.person(), await api.person(), await api.person("moderator")
    published = (await api.submit(author, title="Published"))["id"]
    held = await api.submit(author, title="Held", body="Call me on 07700 900123.")
    assert held["status"] == "pending"
    rejected = (await api.submit(author, title="Rejected"))["id"]
    withdrawn = (await api.submit(author, title="Withdrawn"))["id"]
    theirs = (await api.submit(other, title="Someone else's"))["id"]
    await decided(api, mod, "reject", ("submission", rejected), reason="Off topic here.")
    assert (await api.http.delete(f"/submissions/{withdrawn}", headers=author.headers)
            ).status_code == 204
    mine = {s["id"]: s for s in (await page(api, author, mine="true"))["items"]}
    assert sorted(mine) == sorted([published, held["id"], rejected, withdrawn])
    assert mine[rejected]["status"] == "rejected"
    assert mine[rejected]["status_reason"] == "Off topic here."
    assert "phone number" in mine[held["id"]]["status_reason"]
    assert mine[withdrawn]["status"] == "withdrawn"
    assert all(s["is_mine"] for s in mine.values())
    assert await walk(api, author, mine="true") == sorted(mine, reverse=True)
    assert await ids(api, other, mine="true") == [theirs]
    assert sorted(await ids(api, author)) == sorted([published, theirs])  # others' view
    body = problem(await api.http.get(LIST, params={"mine": "true"}), 401)
    assert "Sign in" in body["detail"]
    cursor = (await page(api, author, limit=1))["next_cursor"]
    problem(await api.http.get(LIST, params={"mine": "true", "cursor": cursor},
                               headers=author.headers), 422)  # a cursor of another list
