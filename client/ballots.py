"""The published ballot log's model, shared by the server that writes it and
``change-challenge verify`` that checks it, so both produce the same bytes.

A log is a sequence of lines, one JSON object each (canonical: sorted keys, no
spaces, UTF-8). A vote line is ``{n, kind: "vote", voter, item, value, group, bucket,
prev, hash}``; a pair line ``{n, kind: "pair", voter, left, right, choice, bucket,
prev, hash}`` (``left`` the smaller id; ``choice`` left, right or skip). A line in a
later segment says what changed since the log last spoke of that ballot: ``value`` 0
or ``choice`` null is a withdrawal. ``hash`` is SHA-256 of ``prev`` and the line
without its hash; ``prev`` is the hash before it (``genesis(slug)`` for line 1).

The rankings are recomputed here from the lines alone, with ``client.ranking``'s
functions, in the order the server serves them (score descending, newer id first).
Pure: no I/O, no third-party imports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from client.ranking import (
    MIN_GROUP_SIZE,
    bridging_score,
    pairwise_score,
    supporting_groups,
    wilson_lower_bound,
)

#: How many hex digits of the keyed hash name a voter (96 bits: no collisions at any
#: scale a challenge reaches, and nothing to reverse without the key).
PSEUDONYM_HEX = 24
CHOICES = ("left", "right", "skip")
Key = tuple[str, str, int, int]  # (voter, kind, item or left, 0 or right): the order


def canonical(value: Any) -> str:
    """The one serialisation both sides hash and compare."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def genesis(slug: str) -> str:
    """The ``prev`` of line 1: a value from the challenge's slug, so a log cannot be
    passed off as another challenge's."""
    return hashlib.sha256(f"change-challenge ballot log {slug}".encode()).hexdigest()


def line_hash(prev: str, body: Mapping[str, Any]) -> str:
    """SHA-256 of ``prev`` and the canonical line without its hash (``prev`` included)."""
    return hashlib.sha256((prev + canonical(body)).encode()).hexdigest()


def vote_line(voter: str, item: int, value: int, group: str | None,
              bucket: str | None) -> dict[str, Any]:
    return {"kind": "vote", "voter": voter, "item": item, "value": value, "group": group,
            "bucket": bucket}


def pair_line(voter: str, left: int, right: int, choice: str | None,
              bucket: str | None) -> dict[str, Any]:
    return {"kind": "pair", "voter": voter, "left": left, "right": right, "choice": choice,
            "bucket": bucket}


def key_of(line: Mapping[str, Any]) -> Key:
    """What a line is about, which is also the order lines of a segment are in."""
    if line["kind"] == "vote":
        return (line["voter"], "vote", line["item"], 0)
    return (line["voter"], "pair", line["left"], line["right"])


def state_of(line: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a later line must differ in to be worth writing (not the time bucket)."""
    if line["kind"] == "vote":
        return (line["value"], line["group"])
    return (line["choice"],)


def chain(lines: Iterable[dict[str, Any]], prev: str,
          first_n: int) -> Iterator[tuple[str, str]]:
    """Number and chain ``lines`` (without n, prev, hash) from ``prev``: each one's
    hash and text."""
    n = first_n
    for line in lines:
        body = {**line, "n": n, "prev": prev}
        prev = line_hash(prev, body)
        yield prev, canonical({**body, "hash": prev})
        n += 1


def receipt_hash(hashes: Iterable[str]) -> str:
    """A receipt's ``hash``: SHA-256 over a voter's line hashes in log order."""
    digest = hashlib.sha256()
    for h in hashes:
        digest.update(h.encode())
    return digest.hexdigest()


def ranked(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score descending, newer (larger) id first: the order the server serves."""
    return sorted(entries, key=lambda e: (e["score"], e["id"]), reverse=True)


def top_entry(item: int, up: int, down: int, score: float | None = None) -> dict[str, Any]:
    return {"id": item, "up": up, "down": down,
            "score": wilson_lower_bound(up, down) if score is None else score}


def pairwise_entry(item: int, wins: int, losses: int,
                   score: float | None = None) -> dict[str, Any]:
    return {"id": item, "wins": wins, "losses": losses,
            "score": pairwise_score(wins, losses) if score is None else score}


def bridging_entry(item: int, tallies: Mapping[str, tuple[int, int]],
                   groups: Iterable[str]) -> dict[str, Any]:
    groups = sorted(groups)
    return {"id": item, "score": bridging_score(tallies, groups),
            "groups": supporting_groups(tallies, groups)}


@dataclass
class Counts:
    """What the rankings need, added up from lines as last cast: per item up/down,
    wins/losses, each labelled group's (up, down), and each group's voters."""

    up: dict[int, int] = field(default_factory=dict)
    down: dict[int, int] = field(default_factory=dict)
    wins: dict[int, int] = field(default_factory=dict)
    losses: dict[int, int] = field(default_factory=dict)
    tallies: dict[int, dict[str, list[int]]] = field(default_factory=dict)
    group_voters: dict[str, int] = field(default_factory=dict)
    items: set[int] = field(default_factory=set)

    def add(self, line: Mapping[str, Any]) -> None:
        """One line that is final (no later line replaces it)."""
        if line["kind"] == "vote":
            item, value, group = line["item"], line["value"], line["group"]
            self.items.add(item)
            if value == 0:
                return
            book = self.up if value > 0 else self.down
            book[item] = book.get(item, 0) + 1
            if group is not None:
                tally = self.tallies.setdefault(item, {}).setdefault(group, [0, 0])
                tally[0 if value > 0 else 1] += 1
            return
        left, right, choice = line["left"], line["right"], line["choice"]
        self.items.update((left, right))
        if choice in ("left", "right"):
            winner, loser = (left, right) if choice == "left" else (right, left)
            self.wins[winner] = self.wins.get(winner, 0) + 1
            self.losses[loser] = self.losses.get(loser, 0) + 1

    def add_voter(self, groups: Iterable[str]) -> None:
        """One voter's final vote lines carried these group labels."""
        for group in set(groups):
            self.group_voters[group] = self.group_voters.get(group, 0) + 1

    def counting_groups(self) -> list[str]:
        return sorted(g for g, n in self.group_voters.items() if n >= MIN_GROUP_SIZE)

    def small_groups(self) -> list[tuple[str, int]]:
        """Labels on fewer voters than may be shown: the log should never hold them."""
        return sorted((g, n) for g, n in self.group_voters.items() if n < MIN_GROUP_SIZE)

    def rankings(self, ids: Iterable[int]) -> dict[str, list[dict[str, Any]]]:
        """The three rankings over ``ids`` (the published submissions)."""
        ids = list(ids)
        groups = self.counting_groups()
        return {
            "top": ranked([top_entry(i, self.up.get(i, 0), self.down.get(i, 0))
                           for i in ids]),
            "pairwise": ranked([pairwise_entry(i, self.wins.get(i, 0),
                                               self.losses.get(i, 0)) for i in ids]),
            "bridging": ranked([bridging_entry(
                i, {g: (t[0], t[1]) for g, t in self.tallies.get(i, {}).items()
                    if g in groups}, groups) for i in ids]),
        }


def fold(lines: Iterable[Mapping[str, Any]]) -> Counts:
    """Counts from a whole log held in memory, last line per ballot winning (tests and
    small logs; ``client.verify`` streams instead)."""
    last: dict[Key, Mapping[str, Any]] = {}
    for line in lines:
        last[key_of(line)] = line
    counts = Counts()
    labels: dict[str, set[str]] = {}
    for key, line in last.items():
        counts.add(line)
        if line["kind"] == "vote" and line["value"] != 0 and line["group"] is not None:
            labels.setdefault(key[0], set()).add(line["group"])
    for groups in labels.values():
        counts.add_voter(groups)
    return counts
