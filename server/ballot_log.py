"""Publishing a challenge's ballot log: one segment per run of voting, appended once.

A segment holds a line for every ballot (vote or comparison, on any of the challenge's
submissions) whose state differs from what the log last said of it: all of them the
first time; afterwards what is new, changed (value, choice, or the voter's group
label) or withdrawn. Lines are in (voter pseudonym, kind, item) order, which says
nothing about who cast them or when. The work goes by batches of voters, so memory
stays bounded by a batch (plus a pseudonym per voter) whatever the challenge's size.

Off the request path (server/ballot_publisher.py), and exactly once: an instance
claims the segment (server/ballot_claims.py) under a per-challenge lock, after looking
again whether it is still due, then writes it a batch per short write transaction, so
other challenges' writers wait at most one batch on SQLite; nobody reads the lines
until the segment row that ends them is committed. The unique (challenge, position) is
the last guard.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from client.ballots import (
    Key,
    bridging_entry,
    canonical,
    chain,
    genesis,
    key_of,
    pair_line,
    pairwise_entry,
    ranked,
    state_of,
    top_entry,
    vote_line,
)
from server import ballot_claims, bridging
from server.ballot_keys import pseudonym, pseudonym_key
from server.ballot_schedule import Run
from server.db import Database
from server.tables import ChallengeRow, SubmissionRow, UserRow, VoteRow
from server.trust_tables import BallotLineRow, BallotSegmentRow, ComparisonRow

#: Voters per batch: bounded memory, and well under SQLite's limit on bound values.
BATCH = 500


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def bucket(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).date().isoformat()


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]


async def _voters(session: AsyncSession, challenge_id: int) -> dict[int, str | None]:
    """Everyone with a vote or a comparison in the challenge, and their staff group."""
    voted = (select(VoteRow.user_id).join(SubmissionRow, SubmissionRow.id == VoteRow.submission_id)
             .where(SubmissionRow.challenge_id == challenge_id))
    compared = select(ComparisonRow.user_id).where(ComparisonRow.challenge_id == challenge_id)
    rows = await session.execute(select(UserRow.id, UserRow.staff_group).where(
        UserRow.id.in_(voted.union(compared).scalar_subquery())))
    return {int(uid): group for uid, group in rows}


async def _current(session: AsyncSession, challenge_id: int, users: dict[int, str],
                   labels: dict[int, str | None]) -> dict[Key, dict[str, Any]]:
    """The lines the ballots of ``users`` (id -> pseudonym) would have now."""
    lines: dict[Key, dict[str, Any]] = {}
    ids = list(users)
    votes = await session.execute(
        select(VoteRow.user_id, VoteRow.submission_id, VoteRow.value, VoteRow.updated_at)
        .join(SubmissionRow, SubmissionRow.id == VoteRow.submission_id)
        .where(SubmissionRow.challenge_id == challenge_id, VoteRow.user_id.in_(ids)))
    for uid, item, value, at in votes:
        line = vote_line(users[uid], int(item), int(value), labels[uid], bucket(at))
        lines[key_of(line)] = line
    pairs = await session.execute(
        select(ComparisonRow.user_id, ComparisonRow.low_id, ComparisonRow.high_id,
               ComparisonRow.winner_id, ComparisonRow.updated_at)
        .where(ComparisonRow.challenge_id == challenge_id, ComparisonRow.user_id.in_(ids)))
    for uid, low, high, winner, at in pairs:
        choice = "skip" if winner is None else "left" if winner == low else "right"
        line = pair_line(users[uid], int(low), int(high), choice, bucket(at))
        lines[key_of(line)] = line
    return lines


async def _logged(session: AsyncSession, challenge_id: int, voters: Sequence[str],
                  end: int) -> dict[Key, dict[str, Any]]:
    """What the log last said (before line ``end``) of each ballot of ``voters``."""
    rows = await session.execute(
        select(BallotLineRow.text).where(BallotLineRow.challenge_id == challenge_id,
                                         BallotLineRow.voter.in_(list(voters)),
                                         BallotLineRow.n < end)
        .order_by(BallotLineRow.n))
    last: dict[Key, dict[str, Any]] = {}
    for (line_text,) in rows:
        line = json.loads(line_text)
        last[key_of(line)] = line
    return last


def _withdrawn(line: dict[str, Any]) -> dict[str, Any] | None:
    """The line saying ``line``'s ballot is gone, or None if it already said so."""
    if line["kind"] == "vote":
        return None if line["value"] == 0 else vote_line(line["voter"], line["item"], 0,
                                                         None, None)
    if line["choice"] is None:
        return None
    return pair_line(line["voter"], line["left"], line["right"], None, None)


def changes(current: dict[Key, dict[str, Any]],
            logged: dict[Key, dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines to append, in log order, given the ballots now and as last logged."""
    out = []
    for key in sorted(current.keys() | logged.keys()):
        now, before = current.get(key), logged.get(key)
        if now is None:
            assert before is not None
            gone = _withdrawn(before)
            if gone is not None:
                out.append(gone)
        elif before is None or state_of(now) != state_of(before):
            out.append(now)
    return out


@dataclass
class Published:
    """What one call of ``publish`` did: whether it published, and the longest any of
    its write transactions took (what SQLite's writers waited at worst)."""

    done: bool
    longest_write: float = 0.0


async def publish(db: Database, challenge: ChallengeRow, run: Run,
                  clock: Callable[[], datetime]) -> Published:
    """Append the segment for ``run`` unless it is there already or another instance is
    writing it. Reads go through read sessions; the lines are written a batch of voters
    per short write transaction, each renewing this instance's claim."""
    claim = await ballot_claims.take(db, challenge.id, run, clock)
    if claim is None:
        return Published(False)
    out = Published(False)
    try:
        out.done = await _write(db, challenge, run, claim, out)
    except ballot_claims.LostClaim:
        out.done = False
    return out


@asynccontextmanager
async def _timed(db: Database, out: Published) -> AsyncIterator[AsyncSession]:
    """A write transaction, its length noted in ``out``."""
    started = time.monotonic()
    try:
        async with db.write() as session:
            yield session
    finally:
        out.longest_write = max(out.longest_write, time.monotonic() - started)


async def _write(db: Database, challenge: ChallengeRow, run: Run, claim: ballot_claims.Claim,
                 out: Published) -> bool:
    key = await pseudonym_key(db, challenge.id)
    async with db.read_heavy() as session:
        tallies = await bridging.tallies(session, challenge.id)
        staff = await _voters(session, challenge.id)
        in_log = (await session.execute(select(BallotLineRow.voter).distinct().where(
            BallotLineRow.challenge_id == challenge.id,
            BallotLineRow.n < claim.first_line))).scalars().all()
    by_pseudonym = {pseudonym(key, uid): uid for uid in staff}
    labels = {uid: g if g in tallies.groups else None for uid, g in staff.items()}
    last = claim.last
    first = claim.first_line
    n, prev = first, last.head if last is not None else genesis(challenge.slug)
    items: set[int] = set()
    for voters in _batches(sorted(by_pseudonym.keys() | set(in_log))):
        users = {by_pseudonym[v]: v for v in voters if v in by_pseudonym}
        async with db.read_heavy() as session:
            logged = await _logged(session, challenge.id, voters, first)
            lines = changes(await _current(session, challenge.id, users, labels), logged)
        for line in [*logged.values(), *lines]:
            items.update((line["item"],) if line["kind"] == "vote"
                         else (line["left"], line["right"]))
        rows = []
        chained = list(chain(lines, prev, n))
        for line, (_, line_text) in zip(lines, chained, strict=True):
            rows.append({"challenge_id": challenge.id, "n": n, "voter": line["voter"],
                         "text": line_text})
            n += 1
        if chained:
            prev = chained[-1][0]
        if rows:
            async with _timed(db, out) as session:
                await claim.renew(session)
                await session.execute(insert(BallotLineRow), rows)
                await session.commit()
    segment = BallotSegmentRow(
        challenge_id=challenge.id, position=(last.position + 1) if last else 1,
        closed_at=run.ends_at, phase_names=json.dumps(list(run.names)), first_line=first,
        count=n - first, head=prev, manifest="", published_at=claim.clock())
    async with db.read_heavy() as session:
        earlier = (await session.execute(
            select(BallotSegmentRow).where(BallotSegmentRow.challenge_id == challenge.id)
            .order_by(BallotSegmentRow.position))).scalars().all()
        segment.manifest = canonical(await manifest(session, challenge, [*earlier, segment],
                                                    tallies, items))
    async with _timed(db, out) as session:
        await claim.renew(session)
        session.add(segment)
        await claim.release(session)
        try:
            await session.commit()
        except IntegrityError:  # another instance got there first: its segment stands
            await session.rollback()
            return False
    return True


async def manifest(session: AsyncSession, challenge: ChallengeRow,
                   segments: Sequence[BallotSegmentRow], tallies: bridging.Tallies,
                   items: set[int]) -> dict[str, Any]:
    """The manifest: the segments, and each ranking as the server serves it now over the
    published submissions, with its figures from the server's own tables."""
    published = SubmissionRow.challenge_id == challenge.id, SubmissionRow.status == "published"
    top = await session.execute(
        select(SubmissionRow.id, SubmissionRow.up, SubmissionRow.down, SubmissionRow.score)
        .where(*published).order_by(SubmissionRow.score.desc(), SubmissionRow.id.desc()))
    pairwise = await session.execute(
        select(SubmissionRow.id, SubmissionRow.wins, SubmissionRow.losses,
               SubmissionRow.pairwise_score)
        .where(*published)
        .order_by(SubmissionRow.pairwise_score.desc(), SubmissionRow.id.desc()))
    top_list = [top_entry(int(i), int(u), int(d), float(s)) for i, u, d, s in top]
    ids = [e["id"] for e in top_list]
    groups = sorted(tallies.groups)
    last = segments[-1]
    return {
        "challenge": challenge.slug,
        "genesis": genesis(challenge.slug),
        "segments": [{"position": s.position, "closed_at": stamp(s.closed_at),
                      "phases": json.loads(s.phase_names), "first_line": s.first_line,
                      "count": s.count, "head": s.head} for s in segments],
        "count": last.first_line + last.count - 1,
        "head": last.head,
        "groups": groups,
        "rankings": {
            "top": top_list,
            "pairwise": [pairwise_entry(int(i), int(w), int(lo), float(s))
                         for i, w, lo, s in pairwise],
            "bridging": ranked([bridging_entry(i, tallies.items.get(i, {}), groups)
                                for i in ids]),
        },
        # Submissions the log has ballots on that are not ranked (no longer published):
        # named, so a verifier can tell none was left out quietly.
        "unranked": sorted(items - set(ids)),
    }
