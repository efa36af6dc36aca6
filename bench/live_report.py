"""The live bench's figures (bench/live.py), printed and recorded in RESULTS.md."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.common import Calibration, percentile, record_run, say, table
from bench.live_subscribers import MEASURED, Findings

if TYPE_CHECKING:
    from bench.live import LiveOptions

GOAL_P99_MS = 1_000.0
GOAL_RATIO = 0.8
Made = list[tuple[str, float]]


@dataclass
class VoteCpu:
    """Vote rounds of one condition: CPU seconds of the server and of the subscriber
    processes, votes, seconds."""

    server: float = 0.0
    subscribers: float = 0.0
    votes: int = 0
    seconds: float = 0.0

    def add(self, server: float, subscribers: float, votes: int, seconds: float) -> None:
        self.server += server
        self.subscribers += subscribers
        self.votes += votes
        self.seconds += seconds

    @property
    def ms_per_vote(self) -> float:
        return 1000 * self.server / self.votes if self.votes else math.nan


@dataclass
class Run:
    kind: str
    options: LiveOptions
    calibration: Calibration | None = None
    alone_before: list[float] = field(default_factory=list)
    with_subscribers: list[float] = field(default_factory=list)
    alone_after: list[float] = field(default_factory=list)
    vote_errors: int = 0
    cpu: dict[str, VoteCpu] = field(default_factory=dict)  # per condition of the rounds
    rss_idle: float = 0.0  # MiB
    rss_subscribed: float = 0.0
    rss_after: float = 0.0
    connect_seconds: float = 0.0
    client_cpu: float = 0.0  # s, the subscriber processes during the steady writes
    server_cpu: float = 0.0
    made: Made = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)
    findings: list[Findings] = field(default_factory=list)
    # two instances: the writes, the first's and the second's subscribers
    instances: tuple[Made, list[Findings], list[Findings]] | None = None


@dataclass
class Deliveries:
    latencies: list[float]  # s, every delivery of a measured event
    expected: int
    by_kind: dict[str, list[float]]
    counts: list[float]  # s, vote -> first counts event naming it, every stream
    counts_expected: int

    @property
    def missing(self) -> int:
        return self.expected - len(self.latencies)


def deliveries(made: Made, findings: Sequence[Findings]) -> Deliveries:
    streams = sum(f.connected for f in findings)
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {name: [] for name in MEASURED}
    counts: list[float] = []
    measured = votes = 0
    for key, when in made:
        name, _, ident = key.partition(":")
        if name == "vote":
            votes += 1
            counts += [t - when for f in findings for t in f.counts.get(ident, [])]
            continue
        measured += 1
        found = [t - when for f in findings for t in f.events.get(key, [])]
        latencies += found
        by_kind[name] += found
    return Deliveries(latencies, measured * streams, by_kind, counts, votes * streams)


def _ms(values: Sequence[float], p: float) -> str:
    return f"{1000 * percentile(values, p):.0f}" if values else "-"


def _lag(findings: Sequence[Findings], window: tuple[float, float]) -> list[float]:
    return [lag for f in findings for when, lag in f.lag if window[0] <= when <= window[1]]


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def figures(run: Run) -> dict[str, Any]:
    d = deliveries(run.made, run.findings)
    alone = _mean(run.alone_before + run.alone_after)
    with_subs = _mean(run.with_subscribers)
    seconds = run.window[1] - run.window[0]
    subscribed = sum(f.connected for f in run.findings)
    lag = _lag(run.findings, run.window)
    return {
        "d": d, "alone": alone, "with": with_subs,
        "ratio": with_subs / alone if alone else 0.0,
        "per_subscriber_kib": 1024 * (run.rss_subscribed - run.rss_idle) / max(1, subscribed),
        "subscribed": subscribed,
        "client_share": run.client_cpu / seconds if seconds else 0.0,
        "server_share": run.server_cpu / seconds if seconds else 0.0,
        "lag_p99": _ms(lag, 99), "lag_max": _ms(lag, 100),
        "frames": sum(f.frames for f in run.findings),
        "bytes": sum(f.bytes for f in run.findings),
        "resets": sum(f.resets for f in run.findings),
        "ended": sum(f.ended_early for f in run.findings),
        "duplicates": sum(f.duplicates for f in run.findings),
        "errors": [e for f in run.findings for e in f.errors],
    }


def _rates(rates: Sequence[float]) -> str:
    return " / ".join(f"{r:.0f}" for r in rates)


def _with(run: Run) -> VoteCpu:
    return run.cpu.get("with subscribers", VoteCpu())


def _alone_and_with(run: Run) -> tuple[VoteCpu, VoteCpu]:
    alone = VoteCpu()
    for label in ("alone", "alone again"):
        c = run.cpu.get(label, VoteCpu())
        alone.add(c.server, c.subscribers, c.votes, c.seconds)
    return alone, _with(run)


def lines(run: Run, f: Mapping[str, Any]) -> list[str]:
    o = run.options
    d: Deliveries = f["d"]
    measured = len(d.by_kind[MEASURED[0]]) + len(d.by_kind[MEASURED[1]])
    writes = len(run.made)
    rows = [
        ["subscribers", f"{f['subscribed']:,} streams in {o.processes} client processes, "
                        f"connected in {run.connect_seconds:.1f} s"],
        ["write → event, every delivery (comment.created, submission.created)",
         f"p50 **{_ms(d.latencies, 50)} ms**, p99 **{_ms(d.latencies, 99)} ms**, max "
         f"{_ms(d.latencies, 100)} ms over {measured:,} deliveries "
         f"({d.missing:,} missing of {d.expected:,})"],
        *[[f"… {name}", f"p50 {_ms(v, 50)} ms, p99 {_ms(v, 99)} ms ({len(v):,})"]
          for name, v in d.by_kind.items()],
        ["vote → first submission.counts naming it (coalesced)",
         f"p50 {_ms(d.counts, 50)} ms, p99 {_ms(d.counts, 99)} ms, max "
         f"{_ms(d.counts, 100)} ms ({len(d.counts):,} of {d.counts_expected:,})"],
        ["server RSS, idle", f"{run.rss_idle:.1f} MiB with no subscriber, "
                             f"{run.rss_subscribed:.1f} MiB with {f['subscribed']:,}: "
                             f"**{f['per_subscriber_kib']:.0f} KiB per subscriber**"],
        ["votes/s, alone (before · after the subscribers)",
         f"{_rates(run.alone_before)} · {_rates(run.alone_after)}: mean {f['alone']:.0f}"],
        ["votes/s, with the subscribers connected",
         f"{_rates(run.with_subscribers)}: mean {f['with']:.0f}, ratio "
         f"**{f['ratio']:.2f}**"],
        ["server CPU per vote: alone · with the subscribers",
         " · ".join(f"{c.ms_per_vote:.2f} ms" for c in _alone_and_with(run))
         + "; the subscriber processes meanwhile: "
         + f"{100 * _with(run).subscribers / max(_with(run).seconds, 1e-9):.0f}% of a core"],
        ["during the steady writes", f"{writes} writes at {o.rate:g}/s; server CPU "
         f"{100 * f['server_share']:.0f}% of a core; subscriber processes "
         f"{100 * f['client_share']:.0f}% of a core in all, their loop lag p99 "
         f"{f['lag_p99']} ms, max {f['lag_max']} ms"],
        ["streams", f"{f['frames']:,} frames, {f['bytes'] / 1e6:.1f} MB read; resets "
                    f"{f['resets']}, ended early {f['ended']}, duplicates "
                    f"{f['duplicates']}, vote errors {run.vote_errors}"],
    ]
    if run.instances is not None:
        made, first, second = run.instances
        for label, group in (("first", first), ("second", second)):
            g = deliveries(made, group)
            rows.append([f"two instances: subscribers of the {label} (writes through the "
                         "first)",
                         f"p50 {_ms(g.latencies, 50)} ms, p99 {_ms(g.latencies, 99)} ms "
                         f"over {len(g.latencies):,} deliveries ({g.missing:,} missing); "
                         f"counts p50 {_ms(g.counts, 50)} ms; streams ended early "
                         f"{sum(x.ended_early for x in group)}, resets "
                         f"{sum(x.resets for x in group)}"])
    out = [table(["measure", "figure"], rows)]
    if f["errors"]:
        out += ["", "stream errors: " + "; ".join(f["errors"][:5])]
    return out


def met(run: Run, f: Mapping[str, Any]) -> bool:
    d: Deliveries = f["d"]
    return (d.missing == 0 and bool(d.latencies)
            and 1000 * percentile(d.latencies, 99) <= GOAL_P99_MS
            and f["ratio"] >= GOAL_RATIO and not run.vote_errors)


def record_live(run: Run, *, quick: bool, argv: Sequence[str], info: dict[str, str],
                write: bool) -> bool:
    assert run.calibration is not None
    f = figures(run)
    ok = met(run, f)
    body = lines(run, f)
    for line in body:
        say(line)
    d: Deliveries = f["d"]
    o = run.options
    record_run(
        f"live-{run.kind}", f"{run.kind}{' (quick)' if quick else ''}", quick=quick,
        argv=argv, info=info, calibration=run.calibration, write=write, lines=[
            f"one `change-challenge serve` worker; {o.subscribers:,} signed-in subscribers "
            f"of `GET /api/v1/events` over raw asyncio streams in {o.processes} processes; "
            f"{o.voters} voters x {o.rounds} rounds x {o.round_seconds:g} s per condition; "
            f"a writer at {o.rate:g}/s (comment, vote, submission, vote); latency from the "
            "write's response to the event at every subscriber, matched by the comment's "
            "or submission's id", "", *body],
        heading=f"Live events, {run.kind}",
        goal=(f"every subscriber gets every event; p99 write → event <= {GOAL_P99_MS:.0f} "
              f"ms; votes/s with subscribers >= {GOAL_RATIO} x alone",
              f"p50 {_ms(d.latencies, 50)} / p99 {_ms(d.latencies, 99)} ms, "
              f"{d.missing} missing; {f['per_subscriber_kib']:.0f} KiB/subscriber; "
              f"votes {f['with']:.0f} vs {f['alone']:.0f}/s ({f['ratio']:.2f})", ok))
    return ok
