"""``python -m bench [votes|national|server-cpu|moderation|moderation-tui|client|tui|
tui-body|guide-tui|gateway|live|pairs|network|all] [--db sqlite|postgresql|both] [--quick]``;
``python -m bench verify [--users N --submissions N --votes N]`` (bench/verify.py)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from bench.common import KINDS, Kind, machine, postgres_version, run, say
from bench.moderation import QUICK as MODERATION_QUICK
from bench.moderation import ModerationOptions, run_moderation
from bench.national import QUICK as NATIONAL_QUICK
from bench.national import NationalOptions, run_national
from bench.votes import QUICK as VOTES_QUICK
from bench.votes import VoteOptions, run_votes


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of the challenge server; figures go to bench/RESULTS.md.")
    parser.add_argument("benchmark", nargs="?", default="all",
                        choices=["votes", "national", "server-cpu", "moderation", "moderation-tui",
                                 "client",
                                 "tui", "tui-body", "guide-tui",
                                 "gateway", "live", "pairs", "network", "all"])
    parser.add_argument("--db", default="both", choices=["sqlite", "postgresql", "both"],
                        help="which database (default both)")
    parser.add_argument("--quick", action="store_true",
                        help="short runs on small data, recorded separately")
    parser.add_argument("--no-record", action="store_true",
                        help="print the figures but leave RESULTS.md alone")
    parser.add_argument("--reseed", action="store_true",
                        help="national: rebuild the seeded database even if it is there")
    parser.add_argument("--clients", type=int,
                        help="concurrent clients (default 50 for votes, 20 for national)")
    parser.add_argument("--subscribers", type=int,
                        help="live: concurrent event-stream subscribers (default 1,000)")
    parser.add_argument("--rounds", type=int, help="votes: rounds per target")
    parser.add_argument("--seconds", type=float, help="votes: seconds per round")
    parser.add_argument("--requests", type=int,
                        help="national, server-cpu: timed requests per kind of request")
    parser.add_argument("--workers", type=int,
                        help="national: server worker processes (default 1)")
    parser.add_argument("--page-cache-seconds", type=float, metavar="SECONDS",
                        help="national: CHALLENGE_PAGE_CACHE_SECONDS of the cached server "
                             "(default: the server's own, 1); 0 measures only the uncached "
                             "one (an uncached server is always measured too)")
    parser.add_argument("--pause", type=float, metavar="SECONDS",
                        help="network: the idle pause before the steps after a pause "
                             "(default 20; 6 with --quick)")
    return parser.parse_args(argv)


async def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    kinds: tuple[Kind, ...] = KINDS if args.db == "both" else (args.db,)
    info = machine()
    if "postgresql" in kinds and args.benchmark not in ("client", "tui", "tui-body",
                                                        "moderation-tui", "guide-tui",
                                                        "gateway", "pairs", "network"):
        try:
            info["postgresql"] = await postgres_version()
        except OSError as exc:
            say(f"PostgreSQL is not reachable ({exc}); set CHALLENGE_TEST_POSTGRES or "
                "use --db sqlite")
            return 2
    votes = VOTES_QUICK if args.quick else VoteOptions()
    votes = replace(votes, **{k: v for k, v in (("clients", args.clients),
                                                 ("rounds", args.rounds),
                                                 ("seconds", args.seconds)) if v})
    national = NATIONAL_QUICK if args.quick else NationalOptions()
    national = replace(national, reseed=args.reseed,
                       **{k: v for k, v in (("clients", args.clients),
                                            ("requests", args.requests),
                                            ("workers", args.workers)) if v})
    if args.page_cache_seconds is not None:  # 0 is a value here, not "unset"
        national = replace(national, page_cache_seconds=args.page_cache_seconds)
    say("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    results: list[tuple[str, bool]] = []
    not_run: list[str] = []
    if args.benchmark in ("gateway", "all") and os.geteuid() != 0:
        not_run.append("the ssh gateway bench needs root (it creates a system account and "
                       "runs sshd, like tests/test_gateway_e2e.py): run it as root, e.g. "
                       "`sudo .venv/bin/python -m bench gateway`")
        say(not_run[-1])
        if args.benchmark == "gateway":
            return 2
    for kind in kinds:
        if args.benchmark in ("votes", "all"):
            met = await run_votes(kind, votes, quick=args.quick, argv=argv, info=info,
                                  write=not args.no_record)
            results.append((f"votes on {kind}", met))
        if args.benchmark in ("national", "all"):
            met = await run_national(kind, national, quick=args.quick, argv=argv, info=info,
                                     write=not args.no_record)
            results.append((f"national scale on {kind}", met))
        if args.benchmark in ("server-cpu", "all"):
            from bench.server_cpu import QUICK as CPU_QUICK
            from bench.server_cpu import CpuOptions, run_server_cpu

            cpu = replace(CPU_QUICK if args.quick else CpuOptions(),
                          **{k: v for k, v in (("requests", args.requests),
                                               ("clients", args.clients)) if v})
            met = await run_server_cpu(kind, cpu, quick=args.quick, argv=argv, info=info,
                                       write=not args.no_record)
            results.append((f"server CPU on {kind}", met))
        if args.benchmark in ("moderation", "all"):
            moderation = MODERATION_QUICK if args.quick else ModerationOptions()
            met = await run_moderation(kind, moderation, quick=args.quick, argv=argv,
                                       info=info, write=not args.no_record)
            results.append((f"moderation bulk approve on {kind}", met))
        if args.benchmark in ("live", "all"):
            from bench.live import QUICK as LIVE_QUICK
            from bench.live import LiveOptions, run_live

            live = LIVE_QUICK if args.quick else LiveOptions()
            if args.subscribers:
                live = replace(live, subscribers=args.subscribers)
            met = await run_live(kind, live, quick=args.quick, argv=argv, info=info,
                                 write=not args.no_record)
            results.append((f"live events on {kind}", met))
    if args.benchmark in ("client", "all"):
        from bench.client import record_client

        met = await record_client(argv=argv, info=info, write=not args.no_record,
                                  quick=args.quick)
        results.append(("client overhead", met))
    if args.benchmark in ("tui", "all"):
        from bench.tui import record_startup
        from bench.tui_keys import record_keys
        from bench.tui_list import record_list

        met = await record_startup(argv=argv, info=info, write=not args.no_record,
                                   quick=args.quick)
        results.append(("tui start-up", met))
        met = await record_keys(argv=argv, info=info, write=not args.no_record,
                                quick=args.quick)
        results.append(("tui cursor-key latency", met))
        met = await record_list(argv=argv, info=info, write=not args.no_record,
                                quick=args.quick)
        results.append(("tui list memory", met))
    if args.benchmark in ("tui-body", "all"):
        from bench.tui_body import record_body

        met = await record_body(argv, info, write=not args.no_record, quick=args.quick)
        results.append(("tui body key wait", met))
    if args.benchmark in ("moderation-tui", "all"):
        from bench.moderation_tui import record_moderation_tui

        met = await record_moderation_tui(argv=argv, info=info, write=not args.no_record,
                                          quick=args.quick)
        results.append(("moderation decision key", met))
    if args.benchmark in ("guide-tui", "all"):
        from bench.guide_tui import record_guide_tui

        met = await record_guide_tui(argv=argv, info=info, write=not args.no_record,
                                     quick=args.quick)
        results.append(("guide entry and history keys", met))
    if args.benchmark in ("pairs", "network", "all"):
        from bench.pairs import record_pairs

        met = await record_pairs(argv=argv, info=info, write=not args.no_record,
                                 quick=args.quick)
        results.append(("pair selection", met))
    if args.benchmark in ("gateway", "all") and not not_run:
        from bench.gateway import record_gateway

        met = await record_gateway(argv=argv, info=info, write=not args.no_record,
                                   quick=args.quick)
        results.append(("ssh gateway, 50 sessions", met))
    say("\nsummary:")
    for name, met in results:
        say(f"  {name:<28} goal {'met' if met else 'NOT met'}")
    for why in not_run:
        say(f"  not run: {why}")
    # The exit status says whether the benchmarks ran, not whether the goals were met.
    return 2 if not_run else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["verify"]:  # the ballot log: its own options (bench/verify.py)
        from bench.verify import main as verify_main

        sys.exit(verify_main(sys.argv[2:]))
    sys.exit(run(main(sys.argv[1:])))
