"""A challenge's secrets (``ChallengeKeyRow``), one per purpose: ``pair`` signs pair
tokens (server/pair_tokens.py), ``pseudonym`` keys the ballot log's voter pseudonyms
(server/ballot_keys.py). Kept in the database so every instance uses the same.

A secret is made on first use. Every instance and request racing to make it ends up
with the one stored first: the insert yields to a committed one (ON CONFLICT DO
NOTHING on both databases) and every caller returns what is then stored.
"""

from __future__ import annotations

import secrets
from typing import Literal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.tables import utcnow
from server.trust_tables import ChallengeKeyRow

Purpose = Literal["pair", "pseudonym"]


async def stored_key(session: AsyncSession, challenge_id: int, purpose: Purpose) -> bytes | None:
    """The secret if it has been made, else None."""
    found = (await session.execute(select(ChallengeKeyRow.key).where(
        ChallengeKeyRow.challenge_id == challenge_id, ChallengeKeyRow.purpose == purpose))
    ).scalar_one_or_none()
    return None if found is None else bytes.fromhex(found)


async def key_for(db: Database, challenge_id: int, purpose: Purpose,
                  session: AsyncSession | None = None) -> bytes:
    """The secret, made now if there is none. ``session``: a read session to look in
    first (else one is opened); making it takes a short write transaction of its own."""
    if session is not None:
        key = await stored_key(session, challenge_id, purpose)
    else:
        async with db.read() as reader:
            key = await stored_key(reader, challenge_id, purpose)
    if key is not None:
        return key
    insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    async with db.write() as writer:
        await writer.execute(insert(ChallengeKeyRow).values(
            challenge_id=challenge_id, purpose=purpose, key=secrets.token_hex(32),
            created_at=utcnow()).on_conflict_do_nothing())
        key = await stored_key(writer, challenge_id, purpose)
        await writer.commit()
    assert key is not None  # inserted, or another's insert committed before ours
    return key
