"""The published ballot log: its lines, its manifest, and each person's receipt.

Nothing exists before a run of voting has ended. The segment is then published beside
the requests (server/ballot_publisher.py); until it is there these answer 503 with a
Retry-After, and afterwards serve what was stored.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from client.ballot_models import BallotManifest, BallotReceipt
from client.ballots import receipt_hash
from server import ballot_log
from server.ballot_claims import latest_segment
from server.ballot_keys import pseudonym, stored_key
from server.ballot_schedule import due, next_closing
from server.cache import ChallengeInfo
from server.db import Database
from server.deps import CurrentUser, Svc
from server.problems import ProblemError
from server.services import Services
from server.trust_tables import BallotLineRow, BallotSegmentRow

router = APIRouter(tags=["ballots"])

NOT_PUBLISHED = "/problems/ballots-not-published"
BEING_PUBLISHED = "/problems/ballots-being-published"
#: What a 503 asks to wait while a segment is written (seconds, at small scale).
RETRY_SECONDS = 5
#: Lines per read while streaming: one short query each, no connection held meanwhile.
STREAM_BATCH = 5000
Slug = Annotated[str, Path(max_length=64)]


async def published(services: Services, slug: str) -> tuple[ChallengeInfo, BallotSegmentRow]:
    """The challenge and its latest segment; 503 while one is due but not written yet
    (it is never written here: that may take minutes), 404 before the first is due."""
    async with services.db.read() as session:
        info = await services.challenges.by_slug(session, slug)
        last = await latest_segment(session, info.challenge.id)
    now = services.now()
    run = due(info.phases, now, last.closed_at if last is not None else None)
    if run is not None:
        services.publisher.nudge()
        raise ProblemError(
            503, f"The ballot log of the voting that ended {ballot_log.stamp(run.ends_at)} "
                 "is being published; try again shortly.",
            type=BEING_PUBLISHED, title="Being published", retry_after=RETRY_SECONDS)
    if last is None:
        when = next_closing(info.phases, now)
        detail = ("The ballot log is published when a run of voting ends"
                  + (f"; the next ends {ballot_log.stamp(when)}." if when is not None
                     else "; this challenge has no voting still to end."))
        raise ProblemError(404, detail, type=NOT_PUBLISHED, title="Not published yet")
    return info, last


_MANIFEST_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "The manifest, byte for byte as published (canonical JSON)",
    "content": {"application/json": {"schema": BallotManifest.model_json_schema()}}}}
_LINES_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "The log's lines, one canonical JSON object each (client/ballots.py)",
    "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}}


@router.get("/challenges/{slug}/ballots/manifest", response_class=Response,
            responses=_MANIFEST_DOC)
async def ballot_manifest(slug: Slug, services: Svc) -> Response:
    """The ballot log's manifest: segments, count, chain head, and every ranking."""
    _, last = await published(services, slug)
    return Response(last.manifest, media_type="application/json")


async def _lines(db: Database, challenge_id: int, start: int, end: int) -> AsyncIterator[bytes]:
    n = start
    while n <= end:
        upto = min(end, n + STREAM_BATCH - 1)
        async with db.read() as session:
            texts = (await session.execute(
                select(BallotLineRow.text).where(BallotLineRow.challenge_id == challenge_id,
                                                 BallotLineRow.n >= n, BallotLineRow.n <= upto)
                .order_by(BallotLineRow.n))).scalars().all()
        if len(texts) != upto - n + 1:  # never: lines are only ever appended
            raise RuntimeError(f"ballot log lines {n}..{upto} are missing")
        yield ("\n".join(texts) + "\n").encode()
        n = upto + 1


@router.get("/challenges/{slug}/ballots", response_class=StreamingResponse,
            responses=_LINES_DOC)
async def ballot_lines(
    slug: Slug, services: Svc,
    start: Annotated[int, Query(alias="from", ge=1, le=2**31 - 1,
                                description="the first line wanted (default 1)")] = 1,
) -> StreamingResponse:
    """The ballot log's lines as of the latest segment, streamed."""
    info, last = await published(services, slug)
    end = last.first_line + last.count - 1
    return StreamingResponse(_lines(services.db, info.challenge.id, start, end),
                             media_type="application/x-ndjson",
                             headers={"X-Ballot-Lines": str(end)})


@router.get("/me/receipt")
async def my_receipt(
    user: CurrentUser, services: Svc,
    challenge: Annotated[str, Query(max_length=64, description="the challenge's slug")],
) -> BallotReceipt:
    """Your pseudonym in the challenge's ballot log and the hash of your lines."""
    info, last = await published(services, challenge)
    async with services.db.read() as session:
        key = await stored_key(session, info.challenge.id)
        assert key is not None  # made when the first segment was published
        voter = pseudonym(key, user.id)
        texts = (await session.execute(
            select(BallotLineRow.text).where(
                BallotLineRow.challenge_id == info.challenge.id, BallotLineRow.voter == voter,
                BallotLineRow.n < last.first_line + last.count)
            .order_by(BallotLineRow.n))).scalars().all()
    hashes = [json.loads(t)["hash"] for t in texts]
    return BallotReceipt(challenge=info.challenge.slug, voter=voter, lines=len(hashes),
                         hash=receipt_hash(hashes), head=last.head)
