"""The ``change-challenge`` command.

Server commands and the demo's server are imported only when asked for, so a
machine with just the client installed never loads (or needs) the server stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

SERVER_COMMANDS = ("serve", "migrate", "admin", "seed")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="change-challenge",
        description="A crowdsourcing change challenge in the terminal.",
        epilog="Server commands: serve, migrate, admin create-user, seed demo|scale; the "
               "ssh gateway: gateway sshd-config|session; check a ballot log: verify "
               "--server URL SLUG (each has --help).")
    parser.add_argument("--server", help="the challenge server's URL (else CHALLENGE_SERVER "
                                         "or the config file)")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="a demo server with a seeded challenge, signed in")
    demo.add_argument("--as", dest="role", choices=["participant", "moderator", "admin"],
                      default="participant", help="who to sign in as (default participant)")
    demo.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "gateway":  # no app parser, no Textual: sshd runs it
        from tui.gateway.cli import main as gateway_main

        return gateway_main(args[1:])
    if args and args[0] == "verify":  # no Textual: a plain check of the ballot log
        from client.verify import main as verify_main

        return verify_main(args[1:])
    if args and args[0] in SERVER_COMMANDS:
        try:
            from server.cli import main as server_main
        except ModuleNotFoundError as exc:
            return _needs_server_extra(args[0], exc)
        return server_main(args)
    options = _parser().parse_args(args)
    from tui.terminal import keys_unechoed

    with keys_unechoed():
        return _run_app(options)


def _run_app(options: argparse.Namespace) -> int:
    _without_httpx_cli()
    # Start-up makes many objects that live as long as the app and almost no garbage;
    # the cyclic collector's passes over them were ~40 ms of it. The app turns it back
    # on (and freezes what start-up made) once its first screen is up.
    import gc

    gc.disable()

    if options.command == "demo":
        try:
            from tui.demo import demo_options, demo_server
        except ModuleNotFoundError as exc:
            return _needs_server_extra("demo", exc)

    from client.config import load_config
    from client.errors import ConfigError

    try:
        config = load_config(server=options.server)
    except ConfigError as error:
        print(f"change-challenge: {error}", file=sys.stderr)
        return 2
    early = None
    if options.command != "demo" and config.server:
        # The first screen's requests go out now, while the app is imported.
        from tui.first_look import prefetch

        early = prefetch(config)
    from tui.app import ChallengeApp

    if options.command == "demo":
        with demo_server(options.fresh, options.role) as url:
            return run_app(ChallengeApp(
                config.replace(server=url, token=None,
                               token_store="memory"),  # noqa: S106 (a store's name)
                **demo_options(options.role)))
    return run_app(ChallengeApp(config, early=early))


def run_app(app: App[Any]) -> int:
    """Run ``app``; the exit status is non-zero when it did not start or crashed.

    Textual catches what the app raises (a stylesheet it cannot read, an exception in
    a handler or a worker), prints it and sets ``return_code`` to 1; ``run`` itself
    returns normally, so the status must come from there.
    """
    app.run()
    return 0 if app.return_code is None else app.return_code


def _needs_server_extra(command: str, missing: ModuleNotFoundError) -> int:
    """One line saying what to install, for a command the server stack must run.

    Only a module that is not there at all says so: any other import error is a bug
    to see in full.
    """
    print(f"change-challenge: '{command}' needs the server extra: "
          f"pip install 'change-challenge[server]' ({missing.name} is missing)",
          file=sys.stderr)
    return 2


def _without_httpx_cli() -> None:
    """Keep httpx from loading its command-line tool, which the app never runs.

    httpx imports ``httpx._main`` (click and pygments, ~20 ms) whenever click is
    installed, as it is next to the server extra. An empty module in its place makes
    httpx fall back to its own stub ``httpx.main``, which says to install httpx[cli].
    """
    import types

    sys.modules.setdefault("httpx._main", types.ModuleType("httpx._main"))


if __name__ == "__main__":
    sys.exit(main())
