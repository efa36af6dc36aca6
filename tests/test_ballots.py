"""The published ballot log over a live server, on both databases: published once when
voting ends, nothing in it that names a person, a small group or a time, and a log
that ``verify`` recomputes every ranking from."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from client.ballots import fold
from client.ranking import MIN_GROUP_SIZE
from client.verify import run
from server.app import create_app
from server.config import Settings
from server.tables import UserRow
from server.trust_tables import BallotLineRow, BallotPublishingRow
from tests.ballots_support import (
    BEING_PUBLISHED,
    DOCTORS,
    NURSES,
    Env,
    cast,
    environment,
    segments,
    until_published,
    until_segments,
)
from tests.support import DAY, HOUR, Clock, LiveServer, problem


@pytest.fixture(autouse=True)
def _often(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishers that look often: a clock moved by the test is noticed within a poll."""
    monkeypatch.setenv("CHALLENGE_BALLOT_PUBLISH_SECONDS", "0.2")


async def _lines(env: Env) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=env.base) as http:
        r = await http.get(f"/challenges/{env.slug}/ballots")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/x-ndjson"
        return [json.loads(line) for line in r.text.splitlines()]


def _verify(env: Env, **kwargs: Any) -> int:
    with httpx.Client(base_url=env.base, timeout=30) as http:
        return run(http, env.slug, **kwargs)


async def test_nothing_is_published_until_voting_ends(live: LiveServer, settings: Settings,
                                                      clock: Clock) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        http = env.api.http
        for path in (f"/challenges/{env.slug}/ballots/manifest",
                     f"/challenges/{env.slug}/ballots"):
            body = problem(await http.get(path), 404, "/problems/ballots-not-published")
            assert re.search(r"next ends \d{4}-\d\d-\d\dT", body["detail"])
        problem(await http.get("/me/receipt", params={"challenge": env.slug},
                               headers=env.voters[0].headers), 404)
        clock.advance(DAY + HOUR)
        r = await until_published(env)
        clock.advance(DAY)  # voting again: the published log stays as it was
        assert (await http.get(f"/challenges/{env.slug}/ballots/manifest")).content == r.content


async def test_the_log_names_nobody_and_verify_recomputes_it(
        live: LiveServer, settings: Settings, clock: Clock) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        clock.advance(DAY + HOUR)
        manifest = (await until_published(env)).json()
        lines = await _lines(env)
        assert manifest["count"] == len(lines) > 40
        assert {line["kind"] for line in lines} == {"vote", "pair"}
        async with env.api.db.read() as session:
            users = (await session.execute(select(UserRow))).scalars().all()
        text = json.dumps(lines)
        for user in users:
            assert user.email not in text and user.display_name not in text
        assert not (set(json.dumps(lines[0]).split('"')) & {str(u.id) for u in users})
        groups = {line["group"] for line in lines if line["kind"] == "vote"}
        assert groups == {NURSES, None}  # the doctors are three: never named
        assert DOCTORS not in text
        # Buckets are dates (UTC), nothing finer.
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", line["bucket"]) for line in lines)
        assert len({line["bucket"] for line in lines}) <= 2
        assert manifest["groups"] == [NURSES]
        counts = fold(lines)
        assert counts.group_voters[NURSES] >= MIN_GROUP_SIZE
        # Each ranking is the server's: its figures come from the server's own tables.
        assert [e["id"] for e in manifest["rankings"]["top"]] == [
            e["id"] for e in counts.rankings(env.items)["top"]]
        assert _verify(env) == 0


async def test_a_second_run_appends_what_changed_and_previous_checks_it(
        live: LiveServer, settings: Settings, clock: Clock, tmp_path: Any) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        clock.advance(DAY + HOUR)
        await until_published(env)
        saved = tmp_path / "first.ndjson"
        assert _verify(env, save=saved) == 0
        first = saved.read_bytes()
        clock.advance(DAY)  # the second run of voting
        http = env.api.http
        voter = env.voters[0]
        await http.delete(f"/submissions/{env.items[0]}/vote", headers=voter.headers)
        await http.put(f"/submissions/{env.items[1]}/vote", json={"value": -1},
                       headers=voter.headers)
        newcomer = env.voters[-1]
        await http.put(f"/submissions/{env.items[5]}/vote", json={"value": 1},
                       headers=newcomer.headers)
        clock.advance(DAY)
        manifest = (await until_published(env)).json()
        assert [s["position"] for s in manifest["segments"]] == [1, 2]
        second = manifest["segments"][1]
        assert 1 <= second["count"] <= 3
        lines = await _lines(env)
        assert any(line["kind"] == "vote" and line["value"] == 0
                   for line in lines[second["first_line"] - 1:])
        assert _verify(env, previous=saved) == 0
        # A history rewritten under an earlier download is caught at its first line.
        rewritten = tmp_path / "rewritten.ndjson"
        rewritten.write_bytes(first.replace(b'"value":1', b'"value":-1', 1))
        try:
            _verify(env, previous=rewritten)
        except Exception as exc:
            assert re.search(r"line \d+: differs from the previous download", str(exc))
        else:
            raise AssertionError("a rewritten history passed")


async def test_receipts(live: LiveServer, settings: Settings, clock: Clock,
                        tmp_path: Any) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        clock.advance(DAY + HOUR)
        await until_published(env)
        http = env.api.http
        voter = env.voters[2]
        receipt = (await http.get("/me/receipt", params={"challenge": env.slug},
                                  headers=voter.headers)).json()
        lines = await _lines(env)
        assert receipt["lines"] == sum(line["voter"] == receipt["voter"] for line in lines) > 0
        assert _verify(env, receipt=receipt) == 0
        nobody = await env.api.person()
        empty = (await http.get("/me/receipt", params={"challenge": env.slug},
                                headers=nobody.headers)).json()
        assert empty["lines"] == 0 and empty["voter"] != receipt["voter"]
        assert _verify(env, receipt=empty) == 0
        foreign = {**receipt, "hash": empty["hash"]}
        for bad, said in ((foreign, "the hash of voter"),
                          ({**receipt, "challenge": "other"}, "for challenge 'other'"),
                          ({**receipt, "lines": receipt["lines"] + 1}, "the log holds")):
            try:
                _verify(env, receipt=bad)
            except Exception as exc:
                assert said in str(exc)
            else:
                raise AssertionError(f"a foreign receipt passed: {bad}")
        problem(await http.get("/me/receipt", params={"challenge": env.slug}), 401)


async def test_published_when_voting_ends_without_a_request(
        live: LiveServer, settings: Settings, clock: Clock) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        clock.advance(DAY + HOUR)
        await until_segments(env.api.db, 1)  # nobody asked: the server's own task did it
        r = await env.api.http.get(f"/challenges/{env.slug}/ballots/manifest")
        assert r.status_code == 200, r.text
        assert _verify(env) == 0


async def test_a_due_segment_is_503_until_written_and_a_lapsed_claim_is_taken_over(
        live: LiveServer, settings: Settings, clock: Clock) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        # Another instance claimed the segment and wrote a stray line, then died.
        cid = env.extra["challenge_id"]
        async with env.api.db.write() as session:
            session.add(BallotPublishingRow(challenge_id=cid, closed_at=clock() + DAY,
                                            owner="gone", lease_until=clock() + DAY + 2 * HOUR))
            session.add(BallotLineRow(challenge_id=cid, n=1, voter="x" * 16, text="{}"))
            await session.commit()
        clock.advance(DAY + HOUR)
        http = env.api.http
        for path in (f"/challenges/{env.slug}/ballots/manifest",
                     f"/challenges/{env.slug}/ballots"):
            body = problem(await http.get(path), 503, BEING_PUBLISHED)
            assert "being published" in body["detail"]
        await asyncio.sleep(0.5)  # the claim still stands: the publisher leaves it be
        assert await segments(env.api.db) == 0
        clock.advance(2 * HOUR)  # the lease lapses
        await until_published(env)
        async with env.api.db.read() as session:
            assert (await session.execute(select(func.count()).select_from(
                BallotPublishingRow))).scalar_one() == 0
        assert _verify(env) == 0  # the stray line was replaced


async def test_published_exactly_once_when_two_instances_race(
        live: LiveServer, settings: Settings, clock: Clock) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        other = LiveServer(create_app(settings, clock=clock))
        other.start()
        try:
            clock.advance(DAY + HOUR)  # both publishers notice within a poll
            await until_segments(env.api.db, 1)
            await asyncio.sleep(1)  # time for a second segment, if one could appear
            async with httpx.AsyncClient(timeout=60) as http:
                answers = await asyncio.gather(*[
                    http.get(f"{url}/api/v1/challenges/{env.slug}/ballots/manifest")
                    for url in (live.url, other.url) * 3])
        finally:
            other.stop()
        assert {r.status_code for r in answers} == {200}
        assert len({r.content for r in answers}) == 1
        assert await segments(env.api.db) == 1
        assert _verify(env) == 0
