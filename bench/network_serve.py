"""The server for ``bench.network``: ``change-challenge serve``'s uvicorn options, TLS
when asked, and a line per request in ``NETWORK_REQUESTS_LOG``.

``python -m bench.network_serve --port N [--certfile F --keyfile F]``; the database
comes from ``CHALLENGE_DATABASE_URL`` (seeded and migrated already). Each request is
logged as ``req <monotonic time> <client port> <method> <path>``: the client port
names the connection it came on (the proxy opens one upstream per client connection).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from bench.common import HOST

Scope = dict[str, Any]


class Counted:
    """An ASGI app that logs each HTTP request, then hands it on."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (the process's life)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            client = scope.get("client") or ("", 0)
            self.log.write(f"req {time.monotonic():.6f} {client[1]} {scope['method']} "
                           f"{scope['path']}\n")
        await self.app(scope, receive, send)


def factory() -> Counted:
    from server.app import factory as app_factory

    return Counted(app_factory(), os.environ["NETWORK_REQUESTS_LOG"])


def main() -> None:
    import uvicorn

    from server.cli import uvicorn_options
    from server.config import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.network_serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    args = parser.parse_args()
    tls = {"ssl_certfile": args.certfile, "ssl_keyfile": args.keyfile} if args.certfile else {}
    uvicorn.run("bench.network_serve:factory", factory=True, host=HOST, port=args.port,
                workers=1, **{**uvicorn_options(Settings()), "log_level": "warning"}, **tls)


if __name__ == "__main__":
    main()
