"""``change-challenge verify`` against a real published log, and against that log
tampered with: each change is caught and named (line, or ranking and position)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from client.ballots import canonical
from client.verify import run
from client.verify_log import Mismatch
from server.config import Settings
from tests.ballots_support import cast, environment, until_published
from tests.support import DAY, HOUR, Clock, LiveServer

Tamper = Callable[[bytes, list[bytes]], tuple[bytes, list[bytes]]]


def _swap(lines: list[bytes], i: int) -> list[bytes]:
    lines = list(lines)
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return lines


def _changed(lines: list[bytes]) -> list[bytes]:
    line = json.loads(lines[4])
    line["value" if line["kind"] == "vote" else "choice"] = (
        -line["value"] if line["kind"] == "vote" else "skip" if line["choice"] != "skip"
        else "left")
    return [*lines[:4], canonical(line).encode(), *lines[5:]]


def _ranking(manifest: bytes) -> bytes:
    body = json.loads(manifest)
    entry = body["rankings"]["pairwise"][2]
    entry["score"] = entry["score"] + 0.125
    return canonical(body).encode()


CASES: list[tuple[str, Tamper, str]] = [
    ("changed", lambda m, ls: (m, _changed(ls)), "line 5: hash mismatch"),
    ("removed", lambda m, ls: (m, ls[:6] + ls[7:]), "line 7: numbered 8, expected 7"),
    ("reordered", lambda m, ls: (m, _swap(ls, 9)), "line 10: numbered 11, expected 10"),
    ("appended", lambda m, ls: (m, [*ls, ls[-1]]), "line 73: numbered 72"),
    ("ranking", lambda m, ls: (_ranking(m), ls), "ranking pairwise position 3: item"),
    ("spaced", lambda m, ls: (m, [*ls[:2], ls[2].replace(b",", b", ", 1), *ls[3:]]),
     "line 3: not in canonical form"),
]


@pytest.mark.parametrize("name, tamper, said", CASES, ids=[c[0] for c in CASES])
async def test_a_tampered_log_fails_where_it_was_changed(
        live: LiveServer, settings: Settings, clock: Clock, name: str, tamper: Tamper,
        said: str) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        clock.advance(DAY + HOUR)
        await until_published(env)
        with httpx.Client(base_url=env.base) as http:
            assert run(http, env.slug) == 0
            manifest = http.get(f"/challenges/{env.slug}/ballots/manifest").content
            lines = http.get(f"/challenges/{env.slug}/ballots").content.splitlines()
        manifest, lines = tamper(manifest, lines)

        def serve(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/manifest"):
                return httpx.Response(200, content=manifest)
            return httpx.Response(200, content=b"".join(x + b"\n" for x in lines))

        with (httpx.Client(base_url=env.base, transport=httpx.MockTransport(serve)) as fake,
              pytest.raises(Mismatch) as caught):
            run(fake, env.slug)
        assert said in str(caught.value)


async def test_the_command_verifies_a_live_server(live: LiveServer, settings: Settings,
                                                  clock: Clock) -> None:
    async with environment(live, settings.database_url, clock) as env:
        await cast(env)
        clock.advance(DAY + HOUR)
        await until_published(env)
        command = [sys.executable, "-c", "import sys, tui.cli; sys.exit(tui.cli.main())",
                   "verify", "--server", live.url]
        environ = {**os.environ, "CHALLENGE_TOKEN": env.voters[0].token,
                   "XDG_CONFIG_HOME": "/nonexistent"}
        done = subprocess.run([*command, env.slug, "--receipt"], capture_output=True,
                              text=True, timeout=120, env=environ)
        assert done.returncode == 0, done.stderr
        assert "verified:" in done.stdout and "your receipt matches" in done.stdout
        missing = subprocess.run([*command, "nothing-here"], capture_output=True, text=True,
                                 timeout=120, env=environ)
        assert missing.returncode == 2
        assert "HTTP 404" in missing.stderr
