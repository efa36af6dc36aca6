"""``change-challenge gateway sshd-config`` and ``change-challenge gateway session``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from tui.gateway.sshd_config import Gateway, check


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="change-challenge gateway",
        description="An ssh gateway to the challenge: OpenSSH's sshd runs the app, in "
                    "kiosk mode, for anyone who connects (they sign in inside the app).")
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("sshd-config", help="write the gateway's sshd_config and host "
                                                "key, and say how to start sshd")
    config.add_argument("--server", required=True, help="the challenge server's URL")
    config.add_argument("--port", type=int, required=True, help="the port sshd listens on")
    config.add_argument("--user", required=True,
                        help="the system account people connect as (ssh USER@host)")
    config.add_argument("--dir", type=Path, required=True,
                        help="where to write sshd_config, the host key and the session locks")
    config.add_argument("--listen", action="append", default=[],
                        help="an address to listen on (repeat; default every address)")
    _session_options(config)
    session = sub.add_parser("session", help="one session (what sshd runs: ForceCommand)")
    session.add_argument("--server", required=True, help="the challenge server's URL")
    session.add_argument("--runtime-dir", type=Path, required=True,
                         help="where the session cap's lock files are")
    _session_options(session)
    return parser


def _session_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-sessions", type=int, default=50,
                        help="how many people at once (default 50)")
    parser.add_argument("--idle-minutes", type=int, default=30,
                        help="a session with no key for this long ends (default 30)")
    parser.add_argument("--idle-seconds", type=int, help=argparse.SUPPRESS)  # tests
    parser.add_argument("--memory-mb", type=int,
                        help="each session's address-space limit in MiB (default 1024)")
    parser.add_argument("--ca-bundle", type=Path,
                        help="CA certificates for the server's TLS, when not the system's")


def main(argv: Sequence[str], out: TextIO = sys.stdout) -> int:
    options = _parser().parse_args(list(argv))
    if options.command == "session":
        return session(options)
    return sshd_config(options, out)


def sshd_config(options: argparse.Namespace, out: TextIO) -> int:
    from subprocess import CalledProcessError

    from tui.gateway import account, setup

    gateway = Gateway(server=options.server.rstrip("/"), port=options.port,
                      user=options.user, directory=options.dir.absolute(),
                      command=setup.this_command(), listen=tuple(options.listen),
                      max_sessions=options.max_sessions, idle_minutes=options.idle_minutes,
                      idle_seconds=options.idle_seconds, memory_mb=options.memory_mb,
                      ca_bundle=options.ca_bundle.absolute() if options.ca_bundle else None)
    problems = check(gateway)
    if problems:
        for problem in problems:
            print(f"change-challenge gateway: {problem}", file=sys.stderr)
        return 2
    state = account.check_account(gateway.user)
    if not state.ok:
        print(f"{state.problem} Run (as root):\n", file=out)
        for line in state.fix:
            print(f"    {line}", file=out)
        print("\nthen this command again.", file=out)
        return 1
    try:
        done = setup.write_files(gateway)
    except (OSError, CalledProcessError) as error:
        print(f"change-challenge gateway: {error}", file=sys.stderr)
        return 1
    for line in done:
        print(line, file=out)
    if state.warning:
        print(state.warning, file=out)
    print(f"host key: {setup.fingerprint(gateway)}", file=out)
    sshd = setup.find_sshd()
    if sshd is None:
        print("sshd is not installed: apt-get install openssh-server (or your system's "
              "package), then start it with:", file=out)
    else:
        print("Start the gateway (as root) with:", file=out)
    print(f"\n    {setup.start_command(gateway, sshd)}\n", file=out)
    return 0


def session(options: argparse.Namespace) -> int:
    from tui.gateway.session import Limits, SessionOptions, run

    idle = (options.idle_seconds if options.idle_seconds is not None
            else options.idle_minutes * 60)
    return run(SessionOptions(
        server=options.server, runtime_dir=options.runtime_dir,
        max_sessions=max(1, options.max_sessions), idle_seconds=max(1, idle),
        limits=Limits.for_gateway(options.max_sessions, options.memory_mb),
        ca_bundle=options.ca_bundle))
