"""Ballot-log pseudonyms: a voter is named in a challenge's log by a keyed hash of
their id, keyed by the challenge's ``pseudonym`` secret (server/challenge_keys.py),
which is never published. Without the key nobody can tell whose a line is; with it, the
server can give each person their own pseudonym (the receipt)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from client.ballots import PSEUDONYM_HEX
from server import challenge_keys
from server.db import Database

PURPOSE: Final = "pseudonym"


async def pseudonym_key(db: Database, challenge_id: int) -> bytes:
    """The challenge's pseudonym key, made now if it has none."""
    return await challenge_keys.key_for(db, challenge_id, PURPOSE)


async def stored_key(session: AsyncSession, challenge_id: int) -> bytes | None:
    return await challenge_keys.stored_key(session, challenge_id, PURPOSE)


def pseudonym(key: bytes, user_id: int) -> str:
    return hmac.new(key, f"voter:{user_id}".encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]
