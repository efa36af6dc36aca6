"""'Is my ballot counted?' in the app, against a real server whose voting has ended: the
receipt and the published log checked as ``change-challenge verify --receipt`` checks
them; a log changed on the server, or a receipt that does not match it, fails and says
where; before the log is published, it says when it will be."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update
from textual.pilot import Pilot
from textual.widgets import ProgressBar, Static

from client.ballots import canonical
from client.config import ClientConfig
from server.config import Settings
from server.trust_tables import BallotLineRow
from tests import tui_support
from tests.ballots_support import Env, cast, environment, until_published
from tests.support import DAY, HOUR, Clock, LiveServer
from tests.test_tui import challenge_screen
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.receipt import ReceiptScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs


@pytest.fixture
async def env(live: LiveServer, settings: Settings, clock: Clock) -> AsyncIterator[Env]:
    """Twelve voters' votes and comparisons; voting ends a day from now."""
    async with environment(live, settings.database_url, clock) as made:
        await cast(made)
        yield made


def voter_app(env: Env) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server=env.live.url, token=env.voters[0].token))


async def receipt_screen(pilot: Pilot[None]) -> ReceiptScreen:
    await challenge_screen(pilot)  # one challenge: straight in
    await pilot.press("V")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReceiptScreen), screen
    return screen


def result(screen: ReceiptScreen) -> str:
    return text_of(screen.query_one("#receipt-result", Static))


async def published(env: Env) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Voter 0's receipt and the log's lines, once the server's publisher wrote them."""
    await until_published(env)
    headers = env.voters[0].headers
    receipt = (await env.api.http.get("/me/receipt", params={"challenge": env.slug},
                                      headers=headers)).json()
    body = (await env.api.http.get(f"/challenges/{env.slug}/ballots")).content
    return receipt, [json.loads(line) for line in body.splitlines()]


async def test_my_ballot_is_found_in_the_published_log(
        env: Env, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.advance(DAY + HOUR)  # voting has ended
    heard: list[tuple[int, int]] = []
    shown = ReceiptScreen.progress

    def progress(screen: ReceiptScreen, done: int, total: int) -> None:
        heard.append((done, total))
        shown(screen, done, total)

    monkeypatch.setattr(ReceiptScreen, "progress", progress)
    app = voter_app(env)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await receipt_screen(pilot)
        said = result(screen)
        assert screen.outcome == "passed", said
        receipt, lines = await published(env)
        mine = [line for line in lines if line["voter"] == receipt["voter"]]
        votes = sum(line["kind"] == "vote" for line in mine)
        pairs = len(mine) - votes
        assert votes == 4 and pairs >= 1  # as cast (tests.ballots_support.cast)
        assert said.startswith(
            f"Your {votes} votes and {pairs} comparison{'s' if pairs > 1 else ''} are in the "
            f"published log (pseudonym {receipt['voter']}).")
        assert f"The log's {len(lines)} lines chain up" in said
        assert "rankings of 6 submissions recompute from them exactly" in said
        assert heard[0] == (0, len(lines)) and heard[-1] == (len(lines), len(lines))
        assert not screen.query_one(ProgressBar).display  # done: the result in its place
        assert not app._notifications


async def test_before_voting_ends_it_says_when_the_log_is_published(env: Env) -> None:
    app = voter_app(env)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await receipt_screen(pilot)
        assert screen.outcome == "waiting"
        said = result(screen)
        assert said.startswith("The ballot log is published when a run of voting ends; "
                               "the next ends "), said
        assert not re.search(r"\d{4}-\d\d-\d\dT", said), said  # local time, not the UTC stamp


def _changed(line: dict[str, Any]) -> str:
    field = "value" if line["kind"] == "vote" else "choice"
    line[field] = -line["value"] if field == "value" else (
        "skip" if line["choice"] != "skip" else "left")
    return canonical(line)


@pytest.mark.parametrize("tamper", ["line", "receipt"])
async def test_a_changed_log_or_a_receipt_that_does_not_match_fails_and_says_where(
        env: Env, clock: Clock, tamper: str) -> None:
    clock.advance(DAY + HOUR)
    receipt, lines = await published(env)
    cid = env.extra["challenge_id"]
    first_of_mine = next(line["n"] for line in lines if line["voter"] == receipt["voter"])
    async with env.api.db.write() as session:
        rows = update(BallotLineRow).where(BallotLineRow.challenge_id == cid)
        if tamper == "line":  # the server's copy of line 5 changed after publication
            await session.execute(rows.where(BallotLineRow.n == 5).values(
                text=_changed(lines[4])))
        else:  # the server leaves one of voter 0's lines out of their receipt
            await session.execute(rows.where(BallotLineRow.n == first_of_mine).values(
                voter="0" * 24))
        await session.commit()
    app = voter_app(env)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await receipt_screen(pilot)
        said = result(screen)
        assert screen.outcome == "failed", said
        assert said.startswith("Your ballot could not be confirmed:\n")
        mine = receipt["lines"]
        assert (("line 5: hash mismatch (the line was changed)" in said) if tamper == "line"
                else (f"receipt: it says {mine - 1} lines for voter {receipt['voter']}, "
                      f"the log holds {mine}" in said)), said
