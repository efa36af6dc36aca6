"""Ranking: the stable shuffle for ``random``; the vote-derived scores (``top``,
``pairwise``, ``bridging``) live in ``client.ranking``, which ``verify`` shares."""

from __future__ import annotations

import hashlib

from client.ranking import Z95, wilson_lower_bound

__all__ = ["SHUFFLE_PRIME", "Z95", "shuffle_key", "shuffle_params", "wilson_lower_bound"]

SHUFFLE_PRIME = 2_147_483_647  # 2**31 - 1; ids stay below it


def shuffle_params(viewer: str, challenge_id: int) -> tuple[int, int]:
    """A multiplier and offset that, with :func:`shuffle_key`, order ids for one viewer
    in one challenge: stable for the viewer, different for each."""
    digest = hashlib.sha256(f"{viewer}:{challenge_id}".encode()).digest()
    a = int.from_bytes(digest[:8], "big") % (SHUFFLE_PRIME - 1) + 1
    b = int.from_bytes(digest[8:16], "big") % SHUFFLE_PRIME
    return a, b


def shuffle_key(submission_id: int, a: int, b: int) -> int:
    """Where a submission falls in a viewer's ``random`` order (server/listing.py
    computes the same in SQL).

    ``x = (id * a + b) mod p`` with prime ``p`` and ``0 < a < p`` is a bijection on
    ids below ``p``, but on its own it only rotates a run of ids: with a small ``a``
    twenty consecutive ids kept their order. ``x ** 5 mod p`` is a bijection too (5
    does not divide ``p - 1``) and scatters neighbours, so the key is unique (a keyset
    cursor can page by it) and the order looks shuffled. Every product stays below
    2 ** 62: 64-bit integers on both databases.
    """
    x = (submission_id * a + b) % SHUFFLE_PRIME
    x2 = x * x % SHUFFLE_PRIME
    return x2 * x2 % SHUFFLE_PRIME * x % SHUFFLE_PRIME
