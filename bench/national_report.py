"""``bench national``'s figures: the table, the goals, the SQL and plans, RESULTS.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.common import HOST, Calibration, Kind, cpu_share, describe_url, record_run, say, table
from bench.national import (
    PAGE_GOAL_MS,
    SEARCH_GOAL_MS,
    Measured,
    NationalOptions,
    Scenario,
)
from bench.sql_profile import PROFILE_REPEATS, Statement, short


@dataclass
class NationalRun:
    kind: Kind
    options: NationalOptions
    url: str
    seeded: float | None
    words: dict[str, int]
    scenarios: list[Scenario]
    measured: dict[str, dict[str, Measured]]  # by configuration, then by scenario
    peaks: dict[str, float]
    calibration: Calibration
    profiles: dict[str, tuple[float, list[Statement]]]
    plans: dict[str, str]


def report(run: NationalRun, *, quick: bool, argv: Sequence[str], info: dict[str, str],
           write: bool) -> bool:
    """Print and record one database's run; True when every goal is met."""
    kind, options, url, seeded, words = run.kind, run.options, run.url, run.seeded, run.words
    scenarios, measured, peaks = run.scenarios, run.measured, run.peaks
    calibration, profiles, plans = run.calibration, run.profiles, run.plans
    met = {config: True for config in measured}
    rows = []
    for config, results in measured.items():
        for scenario in scenarios:
            if scenario.kind == "calibration" and config != next(iter(measured)):
                continue  # one calibration row is enough
            m = results[scenario.name]
            ok = m.p(99) <= scenario.goal_ms and not m.errors
            goal = scenario.kind != "calibration"
            if goal:
                met[config] = met[config] and ok
            in_process, statements = profiles[scenario.name]
            cached = "cache hits" in scenario.served(config)
            rows.append([
                scenario.name, scenario.served(config), f"{m.p(50):.1f}", f"{m.p(95):.1f}",
                f"**{m.p(99):.1f}**", f"{scenario.goal_ms:.0f}" if goal else "-",
                ("met" if ok else "**not met**") if goal else "(no goal)",
                f"{len(m.latencies) / m.seconds:.0f}", cpu_share(m.server_cpu, m.seconds),
                cpu_share(m.client_cpu, m.seconds),
                f"{m.p(50, loaded=False):.1f} / {m.p(99, loaded=False):.1f}",
                "-" if cached else
                f"{in_process:.1f} ({sum(s.ms for s in statements):.1f} in "
                f"{len(statements)} SQL)", str(m.errors)])
    figures = table(["request", "served", "p50 ms", "p95 ms", "p99 ms", "goal p99 ms", "goal",
                     "req/s", "server CPU", "load generator CPU", "alone p50 / p99 ms",
                     "in-process uncached, median ms (SQL ms)", "errors"], rows)
    all_met = all(met.values())
    verdict = "; ".join(f"{config}: {'met' if ok else 'NOT met'}" for config, ok in met.items())
    peak_text = ", ".join(f"{config} {mib:.0f} MiB" for config, mib in peaks.items())
    say(figures)
    say(f"peak RSS of the server: {peak_text}; goals {verdict}")
    details = []
    for scenario in scenarios:
        statements = profiles[scenario.name][1]
        details.append(f"**{scenario.name}** — statements of the median of "
                       f"{PROFILE_REPEATS} requests, page cache off, slowest first:\n")
        details.append(table(["ms", "statement"], [
            [f"{s.ms:.2f}", f"`{short(s.sql)}`"] for s in sorted(statements, key=lambda s: -s.ms)]))
        if scenario.name in plans:
            details.append(f"\nplan of the page query:\n\n```\n{plans[scenario.name]}\n```\n")
    scale = options.scale
    seeded_text = (f"seeded in this run in {seeded:.0f} s" if seeded is not None
                   else "reused (seeded by an earlier run)")
    words_text = ", ".join(f"`{w}` in {n:,} submissions ({100 * n / scale.submissions:.1f}%)"
                           for w, n in words.items())
    envs = "; ".join(f"{config}: `{''.join(f'{k}={v} ' for k, v in env.items())}"
                     f"change-challenge serve --workers {options.workers}`"
                     for config, env in options.configurations())
    worst = {config: max(results[s.name].p(99) for s in scenarios if s.kind == "page")
             for config, results in measured.items()}
    worst_search = {config: max(results[s.name].p(99) for s in scenarios if s.kind == "search")
                    for config, results in measured.items()}
    suffix = (("-quick" if quick else "")
              + (f"-workers{options.workers}" if options.workers > 1 else "")
              + (f"-page-cache-{options.page_cache_seconds:g}s"
                 if options.page_cache_seconds is not None else ""))
    record_run(
        f"national-{kind}{suffix.removeprefix('-quick')}", f"{kind}{' (quick)' if quick else ''}",
        quick=quick, argv=argv, info=info, calibration=calibration, write=write,
        heading=f"National scale, {kind}"
                f"{f', {options.workers} workers' if options.workers > 1 else ''}"
                + (f", page cache {options.page_cache_seconds:g} s" if "page-cache" in suffix
                   else ""),
        goal=(f"p99 <= {PAGE_GOAL_MS:.0f} ms pages, <= {SEARCH_GOAL_MS:.0f} ms search",
              " · ".join(f"{config}: pages {worst[config]:.1f}, search "
                         f"{worst_search[config]:.1f} ms" for config in measured), all_met),
        lines=[
            f"data: {scale.users:,} users, {scale.submissions:,} submissions, "
            f"{scale.votes:,} votes, {scale.comments:,} comments in "
            f"`{describe_url(url)}`, {seeded_text}; {words_text}  ",
            f"load: {options.clients} signed-in clients on {HOST}, keep-alive "
            "(bench/loadgen.py, a lean HTTP/1.1 client), "
            f"{options.requests} timed requests per row after {options.warmup} warm-up; "
            f"\"alone\" is one client, one request at a time  ",
            f"servers: {envs}; peak RSS (VmHWM"
            f"{', all processes' if options.workers > 1 else ''}) {peak_text}",
            "", figures, "",
            f"Goals (p99 <= {PAGE_GOAL_MS:.0f} ms pages, <= {SEARCH_GOAL_MS:.0f} ms search): "
            f"**{verdict}**.", "",
            "<details><summary>Where the time goes: SQL per request and query plans"
            "</summary>\n", *details, "</details>"])
    return all_met
