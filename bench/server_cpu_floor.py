"""The bare framework floor for ``bench server-cpu``: a Starlette app that answers each
request with the bytes (status, headers, body) the real server answered it with.

It does nothing the real server must do beyond routing and sending: what a request
costs here is what uvicorn and Starlette cost, under the same uvicorn options
(``python -m bench.serve floor``). The answers come from the JSON file named by
``CHALLENGE_FLOOR_ANSWERS``, written by ``bench.server_cpu`` from captured responses:
``{"path?query": [status, [[name, value], ...], body]}``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANSWERS_ENV = "CHALLENGE_FLOOR_ANSWERS"
# What uvicorn writes itself (or leaves out with server_header=False).
_OWN_HEADERS = {"content-length", "date", "server", "connection"}


def load(path: Path) -> dict[str, tuple[int, dict[str, str], bytes]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {target: (int(status), {k: v for k, v in headers if k.lower() not in _OWN_HEADERS},
                     body.encode())
            for target, (status, headers, body) in raw.items()}


def factory() -> Starlette:
    answers = load(Path(os.environ[ANSWERS_ENV]))
    health = answers["/api/v1/health"]  # also what answers an address not captured

    async def answer(request: Request) -> Response:
        query = request.scope["query_string"].decode("latin-1")
        target = request.scope["path"] + (f"?{query}" if query else "")
        status, headers, body = answers.get(target, health)
        return Response(body, status_code=status, headers=headers)

    return Starlette(routes=[Route("/{rest:path}", answer)])
