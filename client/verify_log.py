"""Checking a ballot log against its manifest, one line at a time (no I/O here:
``client.verify`` feeds it what it downloads).

Memory: the per-item counts, plus the ballots of voters who appear in a later segment
(a later line replaces an earlier one of theirs, so theirs are folded at the end).
Everyone else's lines are final when read: a voter's lines in a segment are
consecutive (the log's order), so their group labels are counted as they pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from client.ballot_models import BallotManifest
from client.ballots import (
    CHOICES,
    Counts,
    Key,
    canonical,
    genesis,
    key_of,
    receipt_hash,
)


class Mismatch(Exception):
    """Where the log and manifest differ from what they should be."""


@dataclass
class ReceiptCheck:
    voter: str
    lines: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    kinds: dict[str, int] = field(default_factory=dict)  # "vote", "pair": how many


def _shape(n: int, line: dict[str, Any]) -> None:
    kind = line.get("kind")
    if kind == "vote":
        fields = {"bucket", "group", "hash", "item", "kind", "n", "prev", "value", "voter"}
        ok = (line.keys() == fields and isinstance(line["item"], int)
              and line["value"] in (1, -1, 0) and isinstance(line["voter"], str)
              and (line["group"] is None or isinstance(line["group"], str)))
    elif kind == "pair":
        fields = {"bucket", "choice", "hash", "kind", "left", "n", "prev", "right", "voter"}
        ok = (line.keys() == fields and isinstance(line["left"], int)
              and isinstance(line["right"], int) and line["left"] < line["right"]
              and (line["choice"] is None or line["choice"] in CHOICES)
              and isinstance(line["voter"], str))
    else:
        ok = False
    if not ok:
        raise Mismatch(f"line {n}: not a well-formed vote or pair line")


class LogChecker:
    """Feed it every line (raw bytes, without the newline) in order, then ``finish``."""

    def __init__(self, manifest: dict[str, Any], slug: str, later_voters: set[str],
                 receipt_voter: str | None = None) -> None:
        if manifest.get("challenge") != slug:
            raise Mismatch(f"the manifest is for challenge {manifest.get('challenge')!r}, "
                           f"not {slug!r}")
        if manifest.get("genesis") != genesis(slug):
            raise Mismatch("the manifest's genesis is not the one of this challenge")
        self.manifest = manifest
        self.segments: list[dict[str, Any]] = manifest["segments"]
        self.later_voters = later_voters
        self.n = 0
        self.prev = genesis(slug)
        self.segment = 0  # index into segments of the line being read
        self.last_key: Key | None = None
        self.counts = Counts()
        self.folded: dict[Key, dict[str, Any]] = {}
        self.voter: str | None = None
        self.voter_groups: set[str] = set()
        self.receipt = ReceiptCheck(receipt_voter) if receipt_voter else None
        later = [s["first_line"] for s in self.segments[1:] if s["count"]]
        self._first_of_later = later[0] if later else None
        self._skip_empty()

    def feed(self, raw: bytes) -> None:
        self.n += 1
        n = self.n
        try:
            text = raw.decode("utf-8")
            line = json.loads(text)
        except (UnicodeDecodeError, ValueError):
            raise Mismatch(f"line {n}: not JSON") from None
        if not isinstance(line, dict) or line.get("n") != n:
            raise Mismatch(f"line {n}: numbered {line.get('n') if isinstance(line, dict) else '?'}"
                           f", expected {n} (a line removed, added or moved)")
        if canonical(line) != text:
            raise Mismatch(f"line {n}: not in canonical form")
        _shape(n, line)
        if line["prev"] != self.prev:
            raise Mismatch(f"line {n}: bad prev (it does not follow line {n - 1})")
        h = line["hash"]
        # The line without its hash, canonical: the same text less '"hash":"…",'.
        body = text.replace(f'"hash":"{h}",', "", 1)
        if hashlib.sha256((self.prev + body).encode()).hexdigest() != h:
            raise Mismatch(f"line {n}: hash mismatch (the line was changed)")
        self.prev = h
        self._place(n, line)
        if self.receipt is not None and line["voter"] == self.receipt.voter:
            self.receipt.lines += 1
            self.receipt.digest.update(h.encode())
            self.receipt.kinds[line["kind"]] = self.receipt.kinds.get(line["kind"], 0) + 1
        self._count(n, line)

    def _place(self, n: int, line: dict[str, Any]) -> None:
        """The line's segment; lines in a segment come in strictly increasing order."""
        if self.segment >= len(self.segments):
            raise Mismatch(f"line {n}: beyond the manifest's last segment")
        seg = self.segments[self.segment]
        if n == seg["first_line"]:
            self.last_key = None
        elif self.last_key is None:
            raise Mismatch(f"line {n}: segment {seg['position']} starts at line "
                           f"{seg['first_line']}")
        key = key_of(line)
        if self.last_key is not None and key <= self.last_key:
            raise Mismatch(f"line {n}: out of order")
        self.last_key = key
        if n == seg["first_line"] + seg["count"] - 1:
            self._end_segment(n)

    def _end_segment(self, n: int) -> None:
        seg = self.segments[self.segment]
        if self.prev != seg["head"]:
            raise Mismatch(f"line {n}: the chain's head after segment {seg['position']} is "
                           f"{self.prev}, the manifest says {seg['head']}")
        self.segment += 1
        self.last_key = None
        self._skip_empty()

    def _skip_empty(self) -> None:
        """Past segments of no lines (a run of voting in which nothing changed)."""
        while (self.segment < len(self.segments)
               and self.segments[self.segment]["count"] == 0):
            seg = self.segments[self.segment]
            if seg["head"] != self.prev or seg["first_line"] != self.n + 1:
                raise Mismatch(f"segment {seg['position']}: its head or first line is not "
                               "where the chain is")
            self.segment += 1

    def _count(self, n: int, line: dict[str, Any]) -> None:
        voter = line["voter"]
        if voter in self.later_voters:
            self.folded[key_of(line)] = line
            return
        if self._first_of_later is not None and n >= self._first_of_later:
            raise Mismatch(f"line {n}: a voter the later segments did not name when first "
                           "downloaded (the log changed between downloads)")
        if voter != self.voter:
            self._flush_voter()
            self.voter = voter
        self.counts.add(line)
        if line["kind"] == "vote" and line["value"] != 0 and line["group"] is not None:
            self.voter_groups.add(line["group"])

    def _flush_voter(self) -> None:
        if self.voter_groups:
            self.counts.add_voter(self.voter_groups)
        self.voter_groups = set()

    def finish(self) -> Counts:
        """The chain's end against the manifest; the counts, folded."""
        self._flush_voter()
        if self.segments and self.segments[0]["first_line"] != 1:
            raise Mismatch("the manifest's first segment does not start at line 1")
        expected = self.manifest["count"]
        if self.n != expected:
            raise Mismatch(f"the log has {self.n} lines, the manifest says {expected}")
        if self.segment != len(self.segments):
            raise Mismatch(f"the log ends inside segment "
                           f"{self.segments[self.segment]['position']}")
        if self.prev != self.manifest["head"]:
            raise Mismatch(f"the chain's head is {self.prev}, the manifest says "
                           f"{self.manifest['head']}")
        labels: dict[str, set[str]] = {}
        for key, line in self.folded.items():
            self.counts.add(line)
            if line["kind"] == "vote" and line["value"] != 0 and line["group"] is not None:
                labels.setdefault(key[0], set()).add(line["group"])
        for groups in labels.values():
            self.counts.add_voter(groups)
        self.folded = {}
        return self.counts

    def receipt_result(self) -> tuple[int, str]:
        assert self.receipt is not None
        return self.receipt.lines, self.receipt.digest.hexdigest()


def _figures(entry: dict[str, Any]) -> str:
    return ", ".join(f"{k} {entry[k]}" for k in sorted(entry) if k != "id")


def compare_rankings(manifest: dict[str, Any], counts: Counts) -> list[str]:
    """Every way the manifest's rankings, groups and item set differ from the ones the
    lines give (empty: they match byte for byte)."""
    rankings = manifest["rankings"]
    ids = [e["id"] for e in rankings.get("top", [])]
    problems: list[str] = []
    for name in ("top", "pairwise", "bridging"):
        if sorted(e.get("id") for e in rankings.get(name, [])) != sorted(ids):
            problems.append(f"ranking {name}: not the same items as ranking top")
    for group, voters in counts.small_groups():
        problems.append(f"group {group!r} labels only {voters} voters on the log "
                        "(fewer than may be published)")
    groups = counts.counting_groups()
    if manifest["groups"] != groups:
        problems.append(f"groups: the manifest says {manifest['groups']}, the lines {groups}")
    unranked = set(manifest["unranked"])
    missing = sorted(counts.items - set(ids) - unranked)
    if missing:
        problems.append(f"items {missing[:10]} have ballots but are neither ranked nor "
                        "listed as unranked")
    if unranked & set(ids):
        problems.append(f"items {sorted(unranked & set(ids))[:10]} are both ranked and unranked")
    mine = counts.rankings(ids)
    for name in ("top", "pairwise", "bridging"):
        theirs = rankings.get(name, [])
        if canonical(theirs) == canonical(mine[name]):
            continue
        for position, (want, got) in enumerate(zip(mine[name], theirs, strict=False), 1):
            if canonical(want) == canonical(got):
                continue
            if want["id"] != got.get("id"):
                problems.append(
                    f"ranking {name} position {position}: item {got.get('id')} is published "
                    f"there, the lines put item {want['id']} ({_figures(want)})")
            else:
                for k in sorted(want.keys() | got.keys()):
                    if canonical(want.get(k)) != canonical(got.get(k)):
                        problems.append(
                            f"ranking {name} position {position}: item {want['id']} {k} "
                            f"{got.get(k)} (published) != {want.get(k)} (from the lines)")
            break  # the first difference in each ranking says where
    return problems


def later_voters(lines: Iterable[bytes]) -> set[str]:
    """The voters named in the later segments' lines (read before the whole log)."""
    voters = set()
    for raw in lines:
        line = json.loads(raw)
        if isinstance(line, dict) and isinstance(line.get("voter"), str):
            voters.add(line["voter"])
    return voters


def check_receipt(receipt: dict[str, Any], slug: str, head: str, lines: int,
                  digest: str) -> list[str]:
    problems = []
    if receipt.get("challenge") != slug:
        problems.append(f"receipt: it is for challenge {receipt.get('challenge')!r}")
    if receipt.get("head") != head:
        problems.append("receipt: taken against another version of the log "
                        f"(head {receipt.get('head')}, the log's is {head})")
    if receipt.get("lines") != lines:
        problems.append(f"receipt: it says {receipt.get('lines')} lines for voter "
                        f"{receipt.get('voter')}, the log holds {lines}")
    elif receipt.get("hash") != digest:
        problems.append(f"receipt: the hash of voter {receipt.get('voter')}'s lines is "
                        f"{digest}, the receipt says {receipt.get('hash')}")
    return problems


class Lines:
    """A body's lines as raw bytes (without the newline), whatever its chunks' bounds."""

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        parts = (self.rest + chunk).split(b"\n")
        self.rest = parts.pop()
        return parts

    def end(self) -> list[bytes]:
        rest, self.rest = self.rest, b""
        return [rest] if rest else []


@dataclass(frozen=True)
class Verified:
    """A log that matched its manifest (and the receipt, when one was given)."""

    lines: int
    head: str
    ranked: int  # submissions in each published ranking
    #: With a receipt: how many of its voter's lines the log holds, of each kind
    #: ("vote", "pair"); else None.
    receipt_kinds: dict[str, int] | None = None


class Verification:
    """The steps of checking a log, whatever downloads it (the CLI's blocking client or
    the app's async one): the manifest's bytes to the constructor; when ``tail_from``
    is a line number, the lines from there to ``later``; then every line to ``feed``
    in order; then ``finish``. Each step raises ``Mismatch`` saying where it differs."""

    def __init__(self, slug: str, manifest_bytes: bytes,
                 receipt: dict[str, Any] | None = None) -> None:
        try:
            manifest = json.loads(manifest_bytes)
            BallotManifest.model_validate(manifest)
        except (ValueError, ValidationError) as exc:
            raise Mismatch(
                f"the manifest is not a manifest: {str(exc).splitlines()[0]}") from None
        if canonical(manifest).encode() != manifest_bytes:
            raise Mismatch("the manifest is not in canonical form")
        self.slug = slug
        self.manifest: dict[str, Any] = manifest
        self.receipt = receipt
        tail = [s["first_line"] for s in manifest["segments"][1:] if s["count"]]
        self.tail_from: int | None = tail[0] if tail else None
        self._later: set[str] = set()
        self._checker: LogChecker | None = None

    @property
    def count(self) -> int:
        """How many lines the manifest says the log has."""
        return int(self.manifest["count"])

    @property
    def n(self) -> int:
        """Lines fed so far."""
        return self._checker.n if self._checker is not None else 0

    def later(self, lines: Iterable[bytes]) -> None:
        """Lines of the later segments (all of them, in any number of calls)."""
        self._later |= later_voters(lines)

    def _started(self) -> LogChecker:
        """The checker, made at the first line (once the later voters are known)."""
        if self._checker is None:
            voter = self.receipt.get("voter") if self.receipt is not None else None
            self._checker = LogChecker(self.manifest, self.slug, self._later,
                                       voter if isinstance(voter, str) else None)
        return self._checker

    def feed(self, raw: bytes) -> None:
        self._started().feed(raw)

    def finish(self) -> Verified:
        checker = self._started()  # made here for a log of no lines
        problems = compare_rankings(self.manifest, checker.finish())
        kinds = None
        if self.receipt is not None:
            if checker.receipt is not None:
                found, digest = checker.receipt_result()
                kinds = dict(checker.receipt.kinds)
            else:  # a receipt without a voter: it matches no line
                found, digest, kinds = 0, receipt_hash([]), {}
            problems += check_receipt(self.receipt, self.slug, self.manifest["head"],
                                      found, digest)
        if problems:
            raise Mismatch("\n".join(problems))
        return Verified(checker.n, self.manifest["head"], len(self.manifest["rankings"]["top"]),
                        kinds)


__all__ = ["Lines", "LogChecker", "Mismatch", "Verification", "Verified", "check_receipt",
           "compare_rankings", "later_voters", "receipt_hash"]
