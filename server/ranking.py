"""Ranking: the Wilson lower bound for ``top`` and a stable shuffle for ``random``."""

from __future__ import annotations

import hashlib
import math

Z95 = 1.959963984540054  # two-sided 95% normal quantile
SHUFFLE_PRIME = 2_147_483_647  # 2**31 - 1; ids stay below it


def wilson_lower_bound(up: int, down: int, z: float = Z95) -> float:
    """Lower bound of the Wilson score interval for the share of supporters.

    A submission with 2 of 2 supporting ranks below one with 90 of 100: the bound
    rewards evidence, not just the ratio. No votes scores 0.
    """
    n = up + down
    if n <= 0:
        return 0.0
    p = up / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return max(0.0, (centre - margin) / (1 + z2 / n))


def shuffle_params(viewer: str, challenge_id: int) -> tuple[int, int]:
    """A multiplier and offset that permute ids for one viewer in one challenge.

    ``(id * a + b) mod p`` with prime ``p`` and ``0 < a < p`` is a bijection on
    ids below ``p``, so the order is a true shuffle with unique keys, stable for the
    viewer, computable in SQL, and pageable with a keyset cursor.
    """
    digest = hashlib.sha256(f"{viewer}:{challenge_id}".encode()).digest()
    a = int.from_bytes(digest[:8], "big") % (SHUFFLE_PRIME - 1) + 1
    b = int.from_bytes(digest[8:16], "big") % SHUFFLE_PRIME
    return a, b
