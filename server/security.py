"""Passwords (argon2id) and session tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_BYTES = 32


class Passwords:
    """Hashing runs in a worker thread: argon2id is deliberately slow.

    Each hash holds ``memory_kib`` while it runs, so at most ``concurrency`` run at
    once (the rest queue): a burst of sign-ins cannot take the worker's memory.
    """

    def __init__(self, time_cost: int, memory_kib: int, concurrency: int = 1, *,
                 hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._limiter = anyio.CapacityLimiter(concurrency)
        # Verified against when the email is unknown, so timing does not reveal accounts.
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    @property
    def concurrency(self) -> int:
        return int(self._limiter.total_tokens)

    @property
    def waiting(self) -> int:
        """Hashes queued for a turn (for tests and diagnostics)."""
        return self._limiter.statistics().tasks_waiting

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password,
                                             limiter=self._limiter)

    async def verify(self, stored: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(stored or self._dummy, password) and stored is not None
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check, limiter=self._limiter)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
