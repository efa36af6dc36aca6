"""``change-challenge verify --server URL SLUG``: download a challenge's ballot log and
manifest, check the hash chain line by line, and recompute every published ranking
from the lines alone, byte for byte. Exit 0 on a match; 1 with where it differs; 2
when the log could not be fetched.

``--previous FILE`` checks an earlier download (``--save FILE``) is a prefix of this
one (the log only appends); ``--receipt`` fetches your receipt (signed in: the token
of CHALLENGE_TOKEN or the stored sign-in) and checks the log holds exactly your lines;
``--receipt-file FILE`` checks a saved receipt instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import httpx

from client.connection import API_PREFIX, USER_AGENT, plain_http_context, ssl_context
from client.errors import ChallengeError
from client.transport import connection_error
from client.verify_log import Lines, Mismatch, Verification

CHUNK = 1 << 16


class Fetched(Exception):
    """The server could not give what was asked (exit 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="change-challenge verify",
        description="Check a challenge's published ballot log and recompute its rankings.")
    parser.add_argument("--server", help="the server's URL (else CHALLENGE_SERVER or the "
                                         "config file)")
    parser.add_argument("slug", help="the challenge")
    parser.add_argument("--previous", type=Path, metavar="FILE",
                        help="an earlier download (--save) this log must extend")
    parser.add_argument("--save", type=Path, metavar="FILE", help="keep the lines here")
    parser.add_argument("--receipt", action="store_true",
                        help="check your own receipt against the log (signed in)")
    parser.add_argument("--receipt-file", type=Path, metavar="FILE",
                        help="check a saved receipt (JSON) against the log")
    return parser


def _lines(response: httpx.Response) -> Iterator[bytes]:
    """The body's lines as raw bytes, whatever the chunks' boundaries."""
    lines = Lines()
    for chunk in response.iter_bytes(CHUNK):
        yield from lines.feed(chunk)
    yield from lines.end()


def _get(http: httpx.Client, path: str, **kwargs: Any) -> httpx.Response:
    response = http.get(path, **kwargs)
    if response.status_code != 200:
        raise Fetched(_problem(response))
    return response


def _problem(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"{response.request.url.path}: HTTP {response.status_code}" + (
        f": {detail}" if detail else "")


class _Previous:
    """An earlier download read in step with this one: it must be a prefix."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.n = 0

    def check(self, raw: bytes) -> None:
        if self.stream.closed:
            return
        old = self.stream.readline()
        if not old:
            self.stream.close()
            return
        self.n += 1
        if old.rstrip(b"\n") != raw:
            raise Mismatch(f"line {self.n}: differs from the previous download "
                           "(history was rewritten)")

    def finish(self) -> None:
        if not self.stream.closed and self.stream.readline():
            raise Mismatch(f"the previous download has more lines than this log's "
                           f"{self.n}: history was removed")


def run(http: httpx.Client, slug: str, *, previous: Path | None = None,
        save: Path | None = None, receipt: dict[str, Any] | None = None,
        out: IO[str] = sys.stdout) -> int:
    """Verify ``slug``'s log over ``http`` (base URL: the API). 0: all matches; 1: not."""
    path = f"/challenges/{slug}/ballots"
    check = Verification(slug, _get(http, f"{path}/manifest").content, receipt)
    if check.tail_from is not None:
        with http.stream("GET", path, params={"from": check.tail_from}) as response:
            if response.status_code != 200:
                raise Fetched(_problem(response))
            check.later(_lines(response))
    old = _Previous(previous.open("rb")) if previous is not None else None
    saving = save.open("wb") if save is not None else None
    try:
        with http.stream("GET", path) as response:
            if response.status_code != 200:
                raise Fetched(_problem(response))
            for raw in _lines(response):
                if saving is not None:
                    saving.write(raw + b"\n")
                if old is not None:
                    old.check(raw)
                check.feed(raw)
        if old is not None:
            old.finish()
    finally:
        if saving is not None:
            saving.close()
        if old is not None:
            old.stream.close()
    verified = check.finish()
    print(f"verified: {verified.lines} lines, head {verified.head}; the top, pairwise and "
          f"bridging rankings of {verified.ranked} submissions match the lines"
          + ("; your receipt matches" if receipt is not None else ""), file=out)
    return 0


def _client(server: str, token: str | None, ca_bundle: Path | None) -> httpx.Client:
    verify = ssl_context(ca_bundle) if server.startswith("https://") else plain_http_context()
    headers = {"User-Agent": USER_AGENT}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=server.rstrip("/") + API_PREFIX, verify=verify,
                        headers=headers, timeout=httpx.Timeout(60, connect=10),
                        follow_redirects=False, trust_env=True)


def _token(config: Any) -> str | None:
    if config.token:
        return str(config.token)
    from client.credentials import choose_store

    found = choose_store(config).store.get(config.server)
    return found


def main(argv: Sequence[str]) -> int:
    options = _parser().parse_args(list(argv))
    from client.config import load_config

    try:
        config = load_config(server=options.server)
    except ChallengeError as error:
        print(f"change-challenge verify: {error}", file=sys.stderr)
        return 2
    if not config.server:
        print("change-challenge verify: say which server (--server URL)", file=sys.stderr)
        return 2
    token = _token(config) if options.receipt else None
    if options.receipt and not token:
        print("change-challenge verify: --receipt needs you signed in (or CHALLENGE_TOKEN)",
              file=sys.stderr)
        return 2
    try:
        with _client(config.server, token, config.ca_bundle) as http:
            receipt = None
            if options.receipt_file is not None:
                receipt = json.loads(options.receipt_file.read_text(encoding="utf-8"))
            elif options.receipt:
                receipt = _get(http, "/me/receipt", params={"challenge": options.slug}).json()
            return run(http, options.slug, previous=options.previous, save=options.save,
                       receipt=receipt)
    except Mismatch as mismatch:
        for line in str(mismatch).splitlines():
            print(f"verify: {line}", file=sys.stderr)
        return 1
    except Fetched as error:
        print(f"change-challenge verify: {error}", file=sys.stderr)
        return 2
    except httpx.TransportError as exc:
        print(f"change-challenge verify: {connection_error(exc, config.server)}",
              file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"change-challenge verify: {exc}", file=sys.stderr)
        return 2
