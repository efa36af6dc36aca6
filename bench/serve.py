"""Serve the app, the vote baseline or the bare floor with the uvicorn options of
``change-challenge serve``.

``python -m bench.serve app|baseline|floor --port N``; the database comes from
``CHALLENGE_DATABASE_URL`` (and must be migrated already).
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import HOST
from server.cli import KEEP_ALIVE_SECONDS

FACTORIES = {"app": "server.app:factory", "baseline": "bench.baseline:factory",
             "floor": "bench.server_cpu_floor:factory"}

# What server/cli.py's ``serve`` passes to uvicorn.run (one worker).
UVICORN_OPTIONS: dict[str, Any] = {
    "factory": True, "workers": 1, "log_level": "info", "proxy_headers": False,
    "server_header": False, "timeout_keep_alive": KEEP_ALIVE_SECONDS,
}


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("target", choices=sorted(FACTORIES))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(FACTORIES[args.target], host=HOST, port=args.port, **UVICORN_OPTIONS)


if __name__ == "__main__":
    main()
