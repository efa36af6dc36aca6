"""Which two submissions a person compares next: a pure function, so the server and the
bench (``python -m bench pairs``) run the very same choice.

The rule (issue 15): never an item against itself, never a pair this person already
answered (a skip included), and the person's own items are left out by the caller.
Items with few comparisons are shown more, so a new item catches up: the first of the
pair is the least compared item that still has a partner for this person (ties broken at
random), the second is drawn with weight ``1 / (1 + comparisons) ** PARTNER_POWER``, and
which of the two is shown on the left is a coin toss.

It costs O(items + answered) per call: the caller loads each eligible item's id and
comparison count (two integers) and this person's answered pairs of that kind, nothing
more.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

#: How strongly a partner with few comparisons is preferred (0: uniformly at random).
PARTNER_POWER = 1.0


def choose_pair(compared: Mapping[int, int], answered: Iterable[tuple[int, int]],
                rng: random.Random, *, partner_power: float = PARTNER_POWER,
                ) -> tuple[int, int] | None:
    """``(left, right)`` for a person, or None when every pair of ``compared`` was
    answered. ``compared``: each eligible item's id and how many comparisons it has
    (wins + losses, every person's); ``answered``: this person's pairs so far, either
    order, items no longer eligible allowed (ignored)."""
    if len(compared) < 2:
        return None
    done: dict[int, set[int]] = {}
    for a, b in answered:
        if a != b and a in compared and b in compared:
            done.setdefault(a, set()).add(b)
            done.setdefault(b, set()).add(a)
    last = len(compared) - 1  # partners an item can have
    least: int | None = None
    ties: list[int] = []
    for item, n in compared.items():
        if len(done.get(item, ())) >= last:
            continue  # paired with every other item already
        if least is None or n < least:
            least, ties = n, [item]
        elif n == least:
            ties.append(item)
    if not ties:
        return None
    first = rng.choice(ties)
    seen = done.get(first, set())
    partners = [j for j in compared if j != first and j not in seen]
    if partner_power == 0:
        second = rng.choice(partners)
    else:
        weights = [(1.0 + compared[j]) ** -partner_power for j in partners]
        second = rng.choices(partners, weights)[0]
    return (first, second) if rng.random() < 0.5 else (second, first)

