"""Ballot-log pseudonyms: a voter is named in a challenge's log by a keyed hash of
their id, keyed by the challenge's ``pseudonym`` secret (``ChallengeKeyRow``), which is
never published. Without the key nobody can tell whose a line is; with it, the server
can give each person their own pseudonym (the receipt)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from client.ballots import PSEUDONYM_HEX
from server.tables import utcnow
from server.trust_tables import ChallengeKeyRow

PURPOSE = "pseudonym"


async def pseudonym_key(session: AsyncSession, dialect: str, challenge_id: int) -> bytes:
    """The challenge's pseudonym key, made in ``session`` (a write transaction) when it
    has none. The insert yields to a key another instance stored first (ON CONFLICT DO
    NOTHING), and what is stored is what every caller gets."""
    where = (ChallengeKeyRow.challenge_id == challenge_id, ChallengeKeyRow.purpose == PURPOSE)
    found = (await session.execute(select(ChallengeKeyRow.key).where(*where))).scalar()
    if found is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(insert(ChallengeKeyRow).values(
            challenge_id=challenge_id, purpose=PURPOSE, key=secrets.token_hex(32),
            created_at=utcnow()).on_conflict_do_nothing())
        found = (await session.execute(select(ChallengeKeyRow.key).where(*where))).scalar_one()
    return bytes.fromhex(found)


async def stored_key(session: AsyncSession, challenge_id: int) -> bytes | None:
    found = (await session.execute(select(ChallengeKeyRow.key).where(
        ChallengeKeyRow.challenge_id == challenge_id, ChallengeKeyRow.purpose == PURPOSE))
    ).scalar()
    return None if found is None else bytes.fromhex(found)


def pseudonym(key: bytes, user_id: int) -> str:
    return hmac.new(key, f"voter:{user_id}".encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]
