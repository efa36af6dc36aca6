"""The ``change-challenge`` command.

Server commands are imported only when asked for, so a machine with just the
client installed never loads (or needs) the server stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

SERVER_COMMANDS = ("serve", "migrate", "admin", "seed")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SERVER_COMMANDS:
        try:
            from server.cli import main as server_main
        except ImportError as exc:
            print(f"change-challenge: '{args[0]}' needs the server extra: "
                  f"pip install 'change-challenge[server]' ({exc.name} is missing)",
                  file=sys.stderr)
            return 2
        return server_main(args)
    parser = argparse.ArgumentParser(
        prog="change-challenge",
        description="A crowdsourcing change challenge in the terminal.",
        epilog="Server commands: serve, migrate, admin create-user, seed demo|scale "
               "(each has --help).")
    parser.add_argument("--server", help="the challenge server's URL")
    parser.parse_args(args)
    print("The terminal app is not built yet; run 'change-challenge serve' for the server.",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
