"""Peak memory of a server under a burst of failed sign-ins (argon2id, 64 MiB each).

``python -m bench.auth_memory [--burst 40] [--hash-concurrency 0 40 ...]
[--server-src DIR]``

For each hash concurrency (``CHALLENGE_HASH_CONCURRENCY``; 0 is the default, one
per CPU; 40 is what the server did before it was bounded, anyio's default thread
limit) it starts ``python -m bench.serve app`` (``serve``'s uvicorn options) on a
fresh SQLite database with the default argon2 cost, signs in once to warm up,
then sends ``--burst`` wrong passwords at once and reads the server's peak RSS
(VmHWM). It also times one correct sign-in on the idle server: the bound must not
slow it. ``--server-src`` runs the server from another source tree (e.g. an
export of main) to measure the code before the change.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench.common import prepare_database, run, say
from bench.servers import Server, _status_kib, free_port

PASSWORD = "a long enough password"


async def _sign_in_ms(http: httpx.AsyncClient, password: str) -> tuple[int, float]:
    started = time.perf_counter()
    r = await http.post("/auth/login", json={"email": "bench@example.org",
                                             "password": password})
    return r.status_code, (time.perf_counter() - started) * 1000


async def measure(concurrency: int, burst: int, server_src: Path | None) -> dict[str, float]:
    url = await prepare_database("sqlite", f"auth_memory_{concurrency}", fresh=True)
    env = {"CHALLENGE_DATABASE_URL": url, "PYTHONUNBUFFERED": "1",
           "CHALLENGE_HASH_CONCURRENCY": str(concurrency),
           # The burst comes from one address: let every attempt reach the hasher.
           "CHALLENGE_AUTH_ATTEMPTS_PER_IP": "100000",
           "CHALLENGE_LOGIN_FAILURES_PER_ACCOUNT_AND_IP": "100000",
           "CHALLENGE_LOGIN_FAILURES_PER_ACCOUNT": "200000",
           "CHALLENGE_LOGIN_FAILURES_PER_EMAIL": "100000"}  # the same, for older code
    port = free_port()
    argv = [sys.executable, "-m", "bench.serve", "app", "--port", str(port)]
    if server_src is not None:
        # Ahead of the working directory, which ``-m`` puts first on sys.path.
        argv[1:3] = ["-c", f"import runpy, sys; sys.path.insert(0, {str(server_src)!r}); "
                           "sys.argv[0] = 'bench.serve'; "
                           "runpy.run_module('bench.serve', run_name='__main__')"]
    server = Server(f"auth_memory_{concurrency}", argv, env, port)
    await server.start()
    try:
        assert server.process is not None
        async with httpx.AsyncClient(base_url=server.url + "/api/v1", trust_env=False,
                                     timeout=600) as http:
            r = await http.post("/auth/register", json={
                "email": "bench@example.org", "display_name": "Bench", "password": PASSWORD})
            assert r.status_code in (201, 202), r.text
            idle = []
            for _ in range(5):
                code, ms = await _sign_in_ms(http, PASSWORD)
                assert code == 200, code
                idle.append(ms)
            before = _status_kib(server.process.pid, "VmRSS") / 1024
            started = time.perf_counter()
            answers = await asyncio.gather(*(_sign_in_ms(http, "wrong password")
                                             for _ in range(burst)))
            elapsed = time.perf_counter() - started
            assert {code for code, _ in answers} == {401}, answers
            peak = server.peak_rss_mib()
    finally:
        server.stop()
    return {"rss_before": before, "peak": peak, "burst_s": elapsed,
            "idle_sign_in_ms": statistics.median(idle)}


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.auth_memory")
    parser.add_argument("--burst", type=int, default=40, help="failed sign-ins at once")
    parser.add_argument("--hash-concurrency", type=int, nargs="+", default=[40, 0],
                        help="values of CHALLENGE_HASH_CONCURRENCY to compare (0: per CPU)")
    parser.add_argument("--server-src", type=Path,
                        help="run the server from this source tree instead")
    args = parser.parse_args(argv)
    say(f"{'hash concurrency':>16} {'RSS idle MiB':>13} {'peak MiB':>9} "
        f"{'burst s':>8} {'one sign-in ms':>15}")
    for concurrency in args.hash_concurrency:
        got = await measure(concurrency, args.burst, args.server_src)
        label = "per CPU" if concurrency == 0 else str(concurrency)
        say(f"{label:>16} {got['rss_before']:>13.0f} {got['peak']:>9.0f} "
            f"{got['burst_s']:>8.1f} {got['idle_sign_in_ms']:>15.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main(sys.argv[1:])))
