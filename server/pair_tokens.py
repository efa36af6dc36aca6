"""Pair tokens: what ``GET /pairs/next`` hands out and ``POST /pairs`` takes back.

A token names a kind and two submissions in the order shown (left, right) and carries
an HMAC over them, the challenge and the person it was made for, keyed by the
challenge's ``pair`` secret (server/challenge_keys.py). Nothing is stored per token, so
any instance accepts any other's; one made for someone else, or changed in any way,
fails the check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Final, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from client.models import FieldError, Kind
from server import challenge_keys
from server.db import Database
from server.deps import MAX_ID
from server.problems import VALIDATION, ProblemError

PURPOSE: Final = "pair"
_MAC_BYTES = 18  # 144 bits: 24 base64url characters
_KINDS = "|".join(get_args(Kind))
_ID = "([1-9][0-9]{0,9})"
_TOKEN = re.compile(rf"({_KINDS})\.{_ID}\.{_ID}\.([A-Za-z0-9_-]{{24}})")


@dataclass(frozen=True)
class PairToken:
    kind: str
    left: int
    right: int
    mac: str

    @property
    def ordered(self) -> tuple[int, int]:
        """(low, high): how a comparison is stored."""
        return min(self.left, self.right), max(self.left, self.right)


def invalid() -> ProblemError:
    return ProblemError(422, "This pair is not one the server gave you; ask for the next "
                             "pair.", type=VALIDATION,
                        errors=[FieldError(field="pair", message="invalid pair token")])


def _mac(key: bytes, challenge_id: int, user_id: int, kind: str, left: int,
         right: int) -> str:
    message = f"pair\x1f{challenge_id}\x1f{user_id}\x1f{kind}\x1f{left}\x1f{right}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode()


def sign(key: bytes, challenge_id: int, user_id: int, kind: str, left: int,
         right: int) -> str:
    return f"{kind}.{left}.{right}.{_mac(key, challenge_id, user_id, kind, left, right)}"


def parse(token: str) -> PairToken:
    """The token's fields, unchecked (``verify`` checks them); 422 when malformed."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise invalid()
    kind, left, right, mac = match.group(1), int(match.group(2)), int(match.group(3)), \
        match.group(4)
    if left == right or left > MAX_ID or right > MAX_ID:
        raise invalid()
    return PairToken(kind, left, right, mac)


def verify(token: PairToken, key: bytes | None, challenge_id: int, user_id: int) -> None:
    """422 unless ``token`` was made by this server for this person and challenge."""
    if key is None:  # no key yet: no token was ever made for this challenge
        raise invalid()
    expected = _mac(key, challenge_id, user_id, token.kind, token.left, token.right)
    if not hmac.compare_digest(expected, token.mac):
        raise invalid()


async def stored_key(session: AsyncSession, challenge_id: int) -> bytes | None:
    return await challenge_keys.stored_key(session, challenge_id, PURPOSE)


async def key_for(db: Database, session: AsyncSession, challenge_id: int) -> bytes:
    """The challenge's pair secret, made now if it has none (server/challenge_keys.py);
    ``session``: a read session to look in first."""
    return await challenge_keys.key_for(db, challenge_id, PURPOSE, session)
