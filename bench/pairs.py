"""Pair selection: how soon a new item's pairwise rank settles, the product's choice of
pairs (``server.pair_selection.choose_pair``, the function the server calls) against
uniformly random pairing, measured in the same run on the same simulated challenges.

A simulated challenge: ``items`` submissions with hidden strengths (standard normal),
``people`` people, each answering the pairs offered to them with a Bradley-Terry choice
(the stronger wins with probability 1 / (1 + e^-(s_i - s_j))), never the same pair
twice. After ``warmup`` comparisons, ``new`` items arrive. From then on, after each
comparison, each new item's place in ``sort=pairwise`` (``client.ranking.pairwise_score``,
ties newest first, as the list) is set against its true place (by strength). A new item
has *settled* once it is within ``k`` places of its true place and stays so for the
rest of the run (``horizon`` comparisons); the figure is how many comparisons, by
everyone, that took (an item never settled counts as the horizon). Each trial runs both
strategies on the same strengths and seed; the ratio is random / product (above 1: the
product settles new items sooner).

Also timed: one ``choose_pair`` call with thousands of items and a person who answered
hundreds of pairs, the CPU the server spends choosing per request.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bench.common import Calibration, calibrate, record_run, say, table
from client.ranking import pairwise_score
from server.pair_selection import choose_pair

Chooser = Callable[[Mapping[int, int], Iterable[tuple[int, int]], random.Random],
                   "tuple[int, int] | None"]


@dataclass(frozen=True)
class PairsOptions:
    items: int = 60
    new: int = 5
    people: int = 200
    warmup: int = 3_000  # comparisons before the new items arrive (~100 per item)
    horizon: int = 3_000  # comparisons after
    k: int = 6  # places from the true one
    trials: int = 40
    time_items: int = 5_000
    time_answered: int = 500


QUICK = PairsOptions(items=30, new=3, people=60, warmup=600, horizon=800, k=4, trials=3,
                     time_items=2_000, time_answered=200)


def uniform_pair(compared: Mapping[int, int], answered: Iterable[tuple[int, int]],
                 rng: random.Random) -> tuple[int, int] | None:
    """The baseline: any pair this person has not answered, uniformly at random."""
    items = list(compared)
    done = {(min(a, b), max(a, b)) for a, b in answered}
    if len(done) >= len(items) * (len(items) - 1) // 2:
        return None
    while True:
        a, b = rng.sample(items, 2)
        if (min(a, b), max(a, b)) not in done:
            return a, b


def _place(item: int, score: Mapping[int, float]) -> int:
    """0-based place of ``item`` in the list: higher score first, ties newest first."""
    mine = (score[item], item)
    return sum((s, i) > mine for i, s in score.items())


def simulate(choose: Chooser, o: PairsOptions, seed: int) -> list[int]:
    """For each new item, the comparisons after its arrival until it settled."""
    world = random.Random(seed)
    strength = {i: world.gauss(0, 1) for i in range(1, o.items + o.new + 1)}
    rng = random.Random(seed + 1)
    wins = dict.fromkeys(strength, 0)
    losses = dict.fromkeys(strength, 0)
    answered: list[list[tuple[int, int]]] = [[] for _ in range(o.people)]
    live = list(range(1, o.items + 1))
    new = list(range(o.items + 1, o.items + o.new + 1))

    def step() -> None:
        person = rng.randrange(o.people)
        compared = {i: wins[i] + losses[i] for i in live}
        chosen = choose(compared, answered[person], rng)
        if chosen is None:
            return
        a, b = chosen
        answered[person].append(chosen)
        p_a = 1 / (1 + math.exp(strength[b] - strength[a]))
        winner, loser = (a, b) if rng.random() < p_a else (b, a)
        wins[winner] += 1
        losses[loser] += 1

    for _ in range(o.warmup):
        step()
    live += new
    truth = sorted(live, key=lambda i: strength[i], reverse=True)
    true_place = {item: n for n, item in enumerate(truth)}
    last_out = dict.fromkeys(new, 0)  # the last comparison after which it was out of place
    for t in range(1, o.horizon + 1):
        step()
        score = {i: pairwise_score(wins[i], losses[i]) for i in live}
        for item in new:
            if abs(_place(item, score) - true_place[item]) > o.k:
                last_out[item] = t
    return [last_out[i] for i in new]  # the horizon itself: never settled


@dataclass(frozen=True)
class Figures:
    settled: dict[str, list[int]]  # strategy -> comparisons until settled, every new item
    choose_us: float  # one choose_pair call at scale
    uniform_us: float  # a uniform random draw at the same scale (for scale)
    calibration: Calibration


STRATEGIES: dict[str, Chooser] = {
    "product (least compared first, partner weighted 1/(1+n))": choose_pair,
    "least compared first, partner uniform": (
        lambda c, a, r: choose_pair(c, a, r, partner_power=0)),
    "uniformly random pairs (baseline)": uniform_pair,
}


def _time(call: Callable[[], object], runs: int = 200) -> float:
    call()
    began = time.perf_counter()
    for _ in range(runs):
        call()
    return 1e6 * (time.perf_counter() - began) / runs


def timing(o: PairsOptions) -> tuple[float, float]:
    rng = random.Random(5)
    compared = {i: rng.randrange(0, 200) for i in range(1, o.time_items + 1)}
    ids = list(compared)
    answered = [tuple(rng.sample(ids, 2)) for _ in range(o.time_answered)]
    pairs = [(a, b) for a, b in answered]
    return (_time(lambda: choose_pair(compared, pairs, rng)),
            _time(lambda: uniform_pair(compared, pairs, rng)))


async def run_pairs(o: PairsOptions) -> Figures:
    calibration = await calibrate()
    settled: dict[str, list[int]] = {name: [] for name in STRATEGIES}
    for trial in range(o.trials):
        for name, choose in STRATEGIES.items():
            settled[name] += simulate(choose, o, seed=1000 * trial)
        say(f"trial {trial + 1}/{o.trials}: " + ", ".join(
            f"{statistics.median(v):.0f}" for v in settled.values()))
    choose_us, uniform_us = timing(o)
    return Figures(settled, choose_us, uniform_us, calibration)


def _row(name: str, values: Sequence[int], o: PairsOptions) -> list[str]:
    ordered = sorted(values)
    never = sum(v >= o.horizon for v in values)
    return [name, f"{statistics.median(values):.0f}", f"{ordered[len(ordered) * 9 // 10]:.0f}",
            f"{statistics.mean(values):.0f}", f"{never} of {len(values)}"]


def report(f: Figures, o: PairsOptions) -> tuple[str, float]:
    names = list(STRATEGIES)
    product, baseline = f.settled[names[0]], f.settled[names[-1]]
    ratio = statistics.median(baseline) / max(1.0, statistics.median(product))
    rows = [_row(name, f.settled[name], o) for name in names]
    lines = [
        f"{o.trials} trials x {o.new} new items joining {o.items} items after {o.warmup:,} "
        f"comparisons by {o.people} simulated people (Bradley-Terry choices); settled = "
        f"within {o.k} places of the true place for the rest of {o.horizon:,} comparisons",
        "",
        table(["pairing", "median comparisons to settle", "p90", "mean",
               "never settled"], rows),
        "",
        f"**ratio random / product (medians): {ratio:.2f}**; a new item settles after "
        f"**{statistics.median(product):.0f}** comparisons with the product's pairing "
        f"(random: {statistics.median(baseline):.0f})",
        f"choosing one pair at scale ({o.time_items:,} items, {o.time_answered} answered "
        f"pairs): {f.choose_us:,.0f} µs (a uniform random draw: {f.uniform_us:,.0f} µs)",
    ]
    return "\n".join(lines), ratio


async def record_pairs(*, argv: Sequence[str], info: dict[str, str], write: bool,
                       quick: bool = False) -> bool:
    o = QUICK if quick else PairsOptions()
    figures = await run_pairs(o)
    text, ratio = report(figures, o)
    say(text)
    product = statistics.median(figures.settled[next(iter(STRATEGIES))])
    met = ratio > 1.0
    lines = ["", *text.splitlines()]
    record_run("pairs", "pair selection", quick=quick, argv=argv, info=info, lines=lines,
               heading="Pair selection: new items settling", calibration=figures.calibration,
               write=write,
               goal=("new items settle sooner than with random pairs (ratio > 1)",
                     f"{ratio:.2f} ({product:.0f} vs "
                     f"{statistics.median(figures.settled[list(STRATEGIES)[-1]]):.0f} "
                     f"comparisons to within {o.k} places); choosing {figures.choose_us:,.0f}"
                     f" µs at {o.time_items:,} items", met))
    return met
