"""Server commands: ``serve``, ``migrate``, ``admin create-user|user|challenge``,
``seed demo|scale``.

Reached through the ``change-challenge`` command (``tui.cli``), which imports this
module only when one of these commands is asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import threading
from collections.abc import Sequence
from typing import Any

from client.ranking import STAFF_GROUPS
from server.config import Settings

ROLES = ["participant", "moderator", "admin"]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the challenge server")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")

    sub.add_parser("migrate", help="bring the database schema up to date")

    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser("create-user", help="create a user (any role)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--role", choices=ROLES, default="participant")
    create.add_argument("--password", help="the password; read from standard input if absent")
    create.add_argument("--organisation")
    create.add_argument("--staff-group", help="one of the NHS staff groups: "
                        + "; ".join(STAFF_GROUPS))
    _add_user_commands(admin_sub.add_parser("user", help="list users, change roles, block"))
    _add_challenge_commands(admin_sub.add_parser(
        "challenge", help="set a challenge up from a TOML file, show it, list them"))

    seed = sub.add_parser("seed", help="fill the database with data")
    seed_sub = seed.add_subparsers(dest="seed_command", required=True)
    demo = seed_sub.add_parser("demo", help="the realistic demo challenge")
    demo.add_argument("--replace", action="store_true",
                      help="delete an existing demo challenge first")
    scale = seed_sub.add_parser("scale", help="synthetic data at scale, for benchmarks")
    scale.add_argument("--users", type=int, default=1_000)
    scale.add_argument("--submissions", type=int, default=1_000)
    scale.add_argument("--votes", type=int, default=10_000)
    scale.add_argument("--comments", type=int, default=1_000)
    scale.add_argument("--slug", default="national-scale")
    scale.add_argument("--seed", type=int, default=1, help="random seed")


def _add_user_commands(user: argparse.ArgumentParser) -> None:
    user_sub = user.add_subparsers(dest="user_command", required=True)
    listing = user_sub.add_parser("list", help="every user, oldest first")
    listing.add_argument("--role", choices=ROLES, help="only users with this role")
    set_role = user_sub.add_parser("set-role", help="change a user's role")
    set_role.add_argument("email")
    set_role.add_argument("role", choices=ROLES)
    for name, what in (("block", "refuse the user's sign-ins and requests"),
                       ("unblock", "let a blocked user back in")):
        user_sub.add_parser(name, help=what).add_argument("email")


def _add_challenge_commands(challenge: argparse.ArgumentParser) -> None:
    challenge_sub = challenge.add_subparsers(dest="challenge_command", required=True)
    file_help = "the challenge as TOML (docs/challenge.example.toml); - for standard input"
    challenge_sub.add_parser("create", help="create a challenge from a TOML file").add_argument(
        "--file", required=True, help=file_help)
    update = challenge_sub.add_parser(
        "update", help="change a challenge to what a TOML file says (keys left out stay)")
    update.add_argument("slug")
    update.add_argument("--file", required=True, help=file_help)
    challenge_sub.add_parser(
        "show", help="print a challenge as the TOML that update takes").add_argument("slug")
    challenge_sub.add_parser("list", help="every challenge: its phase now and its dates")


def _fail(message: str, code: int = 2) -> int:
    print(f"change-challenge: {message}", file=sys.stderr)
    return code


def _read_password(given: str | None) -> str:
    if given is not None:
        return given
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = f"{first['loc'][0]}: " if first["loc"] else ""  # a check across settings has none
        return _fail(f"bad setting: {where}{first['msg'].removeprefix('Value error, ')}")
    _quiet_closed_loop_answers()
    try:
        return _command(args, settings)
    except Exception as exc:
        from server.db import place, unavailable

        reason = unavailable(exc)
        if reason is None:
            raise
        # One line a person can act on, not the driver's traceback.
        return _fail(f"cannot reach the database, {place(settings.database_url)}: {reason}",
                     1)


def _quiet_closed_loop_answers() -> None:
    """aiosqlite answers from its own thread; when a connection fails, ``asyncio.run``
    may close its loop before that thread's last answer arrives, and the thread dies
    with 'Event loop is closed' (a traceback after the one line that said what went
    wrong). Only that is silenced: the failure itself was already reported."""
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else ""
        if (args.exc_type is RuntimeError and "_connection_worker_thread" in name
                and "Event loop is closed" in str(args.exc_value)):
            return
        previous(args)

    threading.excepthook = hook


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return serve(settings, args.host, args.port, args.workers)
    if args.command == "migrate":
        from server.migrate import upgrade

        asyncio.run(upgrade(settings.database_url))
        print(f"Database schema is up to date ({settings.database_label()}).")
        return 0
    if args.command == "admin" and args.admin_command == "user":
        return asyncio.run(_user_command(args, settings))
    if args.command == "admin" and args.admin_command == "challenge":
        return asyncio.run(_challenge_command(args, settings))
    if args.command == "admin":
        from server.admin import create_user

        password = _read_password(args.password)
        return asyncio.run(create_user(settings, args.email, args.name, args.role, password,
                                       args.organisation, args.staff_group))
    if args.command == "seed" and args.seed_command == "demo":
        from server.seed.demo import seed_demo

        return asyncio.run(seed_demo(settings, replace=args.replace))
    if args.command == "seed" and args.seed_command == "scale":
        from server.seed.scale import seed_scale

        return asyncio.run(seed_scale(settings, users=args.users, submissions=args.submissions,
                                      votes=args.votes, comments=args.comments,
                                      slug=args.slug, seed=args.seed))
    return _fail(f"unknown command {args.command!r}")


async def _user_command(args: argparse.Namespace, settings: Settings) -> int:
    from server import admin_users

    if args.user_command == "list":
        return await admin_users.list_users(settings, args.role)
    if args.user_command == "set-role":
        return await admin_users.set_role(settings, args.email, args.role)
    return await admin_users.set_blocked(settings, args.email, args.user_command == "block")


async def _challenge_command(args: argparse.Namespace, settings: Settings) -> int:
    from server import admin_challenges

    if args.challenge_command == "create":
        return await admin_challenges.create(settings, args.file)
    if args.challenge_command == "update":
        return await admin_challenges.update(settings, args.slug, args.file)
    if args.challenge_command == "show":
        return await admin_challenges.show(settings, args.slug)
    return await admin_challenges.list_challenges(settings)


def serve(settings: Settings, host: str | None, port: int | None, workers: int) -> int:
    import uvicorn

    from server.migrate import is_current, upgrade

    if settings.is_sqlite:
        from server.migrate import analyse

        asyncio.run(upgrade(settings.database_url))
        asyncio.run(analyse(settings.database_url))
    elif not asyncio.run(is_current(settings.database_url)):
        return _fail("the PostgreSQL schema is not up to date; run 'change-challenge migrate'")
    warning = registration_warning(settings)
    if warning:
        print(f"change-challenge: warning: {warning}", file=sys.stderr, flush=True)
    uvicorn.run("server.app:factory", factory=True, host=host or settings.host,
                port=settings.port if port is None else port, workers=workers,
                **uvicorn_options(settings))
    return 0


def registration_warning(settings: Settings) -> str | None:
    """Said once when ``serve`` starts, not per worker."""
    if settings.registration_mode != "open":
        return None
    return ("registration is open: anyone who can reach the server can make an account, "
            "and registering tells them which email addresses have one. For a real "
            "deployment set CHALLENGE_SMTP_URL (registration is then confirmed by mail) "
            "or CHALLENGE_REGISTRATION=closed.")


# An idle client connection is kept this long (uvicorn's default is 5 s): the app's
# next action after a person has read for a while reuses it rather than waiting a
# round trip (three over TLS) for a new one. Longer than the client's own expiry
# (``client.transport.KEEPALIVE_SECONDS``), so the client closes first and never
# sends on a connection the server is closing. An idle connection costs the server
# a socket and a few kilobytes (bench/RESULTS.md, network).
KEEP_ALIVE_SECONDS = 300


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What ``serve`` gives uvicorn besides the address. X-Forwarded-For is believed only
    from the proxies in CHALLENGE_FORWARDED_ALLOW_IPS: from anyone else it would let a
    client pick the address its sign-in attempts are counted against."""
    trusted = settings.forwarded_allow_ips.strip()
    return {"log_level": "info", "server_header": False, "proxy_headers": bool(trusted),
            "forwarded_allow_ips": trusted or None, "timeout_keep_alive": KEEP_ALIVE_SECONDS}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="change-challenge")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))
