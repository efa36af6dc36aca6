"""GET /challenges/{slug}/stats: participants, submissions by kind and theme, votes, comments."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import httpx

from tests.support import DAY, Person, TestApi


async def stats(api: TestApi, slug: str = "change") -> dict[str, Any]:
    r = await api.http.get(f"/challenges/{slug}/stats")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def vote(api: TestApi, who: Person, sid: int, value: int) -> None:
    r = await api.http.put(f"/submissions/{sid}/vote", json={"value": value},
                           headers=who.headers)
    assert r.status_code == 200, r.text


async def comment(api: TestApi, who: Person, sid: int) -> dict[str, Any]:
    r = await api.http.post(f"/submissions/{sid}/comments", json={"body": "Good idea."},
                            headers=who.headers)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def day_of(item: dict[str, Any]) -> date:
    return datetime.fromisoformat(item["created_at"]).astimezone(UTC).date()


def pin_clock_to_noon(api: TestApi) -> None:
    """Midday UTC, so a test's actions on one day cannot straddle midnight."""
    now = api.clock()
    api.clock.advance(now.replace(hour=12, minute=0, second=0, microsecond=0) - now)


async def test_stats_count_what_happened(api: TestApi) -> None:
    pin_clock_to_noon(api)
    await api.challenge()
    await api.challenge(slug="elsewhere")
    writer_a, writer_b, talker, voter, idle, outsider = [await api.person() for _ in range(6)]
    first_day = api.clock().date()
    empty = await stats(api)
    assert (empty["challenge"], empty["participants"], empty["submissions"]) == ("change", 0, 0)
    assert (empty["votes"], empty["comments"], empty["per_day"]) == (0, 0, [])

    made = [await api.submit(writer_a, kind="story", themes=["Time and capacity"]),
            await api.submit(writer_a, kind="idea",
                             themes=["Time and capacity", "Permission to act"]),
            await api.submit(writer_b, kind="story")]
    comments = [await comment(api, talker, made[0]["id"])]
    await vote(api, voter, made[0]["id"], 1)
    await vote(api, voter, made[1]["id"], -1)
    # Activity in another challenge does not count here.
    other = await api.submit(outsider, slug="elsewhere", kind="idea")
    await comment(api, outsider, other["id"])
    await vote(api, outsider, other["id"], 1)

    api.clock.advance(DAY)
    second_day = api.clock().date()
    made.append(await api.submit(writer_b, kind="idea", themes=["Permission to act"]))
    comments += [await comment(api, writer_a, made[3]["id"]),
                 await comment(api, talker, made[0]["id"])]
    await vote(api, writer_b, made[0]["id"], 1)
    # A withdrawn vote is not a vote.
    await vote(api, talker, made[2]["id"], 1)
    r = await api.http.delete(f"/submissions/{made[2]['id']}/vote", headers=talker.headers)
    assert r.status_code == 200, r.text
    votes_per_day = {first_day: 2, second_day: 1}
    # Reading is not taking part.
    r = await api.http.get(f"/submissions/{made[0]['id']}", headers=idle.headers)
    assert r.status_code == 200, r.text

    got = await stats(api)
    assert got["challenge"] == "change"
    assert got["participants"] == len({writer_a.id, writer_b.id, talker.id, voter.id})
    assert got["submissions"] == len(made)
    assert got["submissions_by_kind"] == dict(Counter(s["kind"] for s in made))
    assert got["submissions_by_theme"] == dict(Counter(t for s in made for t in s["themes"]))
    assert got["votes"] == sum(votes_per_day.values())
    assert got["comments"] == len(comments)
    subs_per_day = Counter(day_of(s) for s in made)
    comments_per_day = Counter(day_of(c) for c in comments)
    assert set(subs_per_day) | set(comments_per_day) == {first_day, second_day}
    expected_days = [{"day": d.isoformat(), "submissions": subs_per_day[d],
                      "comments": comments_per_day[d], "votes": votes_per_day[d]}
                     for d in (first_day, second_day)]
    assert got["per_day"] == expected_days
    for field in ("submissions", "comments", "votes"):
        assert sum(row[field] for row in got["per_day"]) == got[field]

    elsewhere = await stats(api, "elsewhere")
    assert (elsewhere["participants"], elsewhere["submissions"]) == (1, 1)
    assert (elsewhere["votes"], elsewhere["comments"]) == (1, 1)
    assert elsewhere["submissions_by_kind"] == {"idea": 1}


async def test_stats_leave_out_withdrawn_submissions(api: TestApi) -> None:
    await api.challenge()
    author, voter = await api.person(), await api.person()
    kept = await api.submit(author, kind="story", themes=["Data and evidence"])
    gone = await api.submit(author, kind="idea", themes=["Data and evidence"])
    await vote(api, voter, gone["id"], 1)
    await comment(api, voter, gone["id"])
    before = await stats(api)
    assert (before["submissions"], before["votes"], before["comments"]) == (2, 1, 1)
    r = await api.http.delete(f"/submissions/{gone['id']}", headers=author.headers)
    assert r.status_code == 204
    after = await stats(api)
    assert after["submissions"] == 1
    assert after["submissions_by_kind"] == {kept["kind"]: 1}
    assert after["submissions_by_theme"] == {"Data and evidence": 1}
    assert sum(row["submissions"] for row in after["per_day"]) == 1


async def test_stats_of_an_unknown_challenge(api: TestApi) -> None:
    await api.challenge()
    r: httpx.Response = await api.http.get("/challenges/nope/stats")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404
