"""HTTP for the client: TLS, retries with backoff, and errors mapped to exceptions.

Retry policy: connection errors, timeouts, 408, 429, 502, 503, 504; at most
``retries`` more attempts; capped, jittered exponential backoff that honours
``Retry-After`` up to 60 s. A POST always carries an ``Idempotency-Key`` (made
per call, reused on each retry), which is what makes retrying it safe; 409 and
422 are answers, never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from client.connection import API_PREFIX, CA_HINT, USER_AGENT, plain_http_context, ssl_context
from client.errors import (
    CertificateError,
    ChallengeError,
    ConfigError,
    ConnectionFailed,
    ResponseInvalid,
    TimedOut,
    error_for,
)
from client.models import Problem

M = TypeVar("M", bound=BaseModel)

RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# How long an idle connection is kept for the next request: longer than a person reads
# a submission, so the next action never waits for a new connection (httpx keeps one
# 5 s by default), and shorter than the idle limit of common NATs and load balancers
# (4-6 minutes), which drop a connection without a word. The server keeps its side
# longer (``server.cli.KEEP_ALIVE_SECONDS``), so the client is the one to close it.
KEEPALIVE_SECONDS = 240.0


def _is_certificate_problem(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
                seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def connection_error(exc: httpx.TransportError, server: str) -> ChallengeError:
    if _is_certificate_problem(exc):
        return CertificateError(f"The certificate of {server} could not be verified. {CA_HINT}")
    if isinstance(exc, httpx.TimeoutException):
        what = "connect" if isinstance(exc, httpx.ConnectTimeout) else "answer"
        return TimedOut(f"{server} did not {what} in time; check the network or try later.")
    if isinstance(exc, httpx.ProxyError):
        return ConnectionFailed(f"The proxy refused the connection to {server}: {exc}. "
                                "Check HTTPS_PROXY and NO_PROXY.")
    if isinstance(exc, httpx.ConnectError):
        proxy = proxy_for(server)
        if proxy is not None:
            return ConnectionFailed(
                f"Cannot connect to {server} through the proxy {proxy}: {exc or 'refused'}. "
                "Check HTTPS_PROXY, HTTP_PROXY and NO_PROXY.")
        return ConnectionFailed(f"Cannot connect to {server}: {exc or 'refused'}. "
                                "Is the address right and the server running?")
    return ConnectionFailed(f"The connection to {server} failed: "
                            f"{type(exc).__name__} {exc}".rstrip())


def proxy_for(server: str) -> str | None:
    """The proxy the environment sends ``server``'s requests through, if any."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(server)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or (parts.hostname and urllib.request.proxy_bypass(parts.hostname)):
        return None
    return proxy


def _retryable_transport_error(exc: httpx.TransportError) -> bool:
    if _is_certificate_problem(exc):
        return False
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError
                      | httpx.RemoteProtocolError)


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def problem_of(response: httpx.Response) -> Problem:
    try:
        return Problem.model_validate_json(response.content)
    except ValidationError:
        reason = response.reason_phrase or "Error"
        text = response.text.strip()[:200] if response.content else None
        return Problem(title=reason, status=response.status_code, detail=text or None)


class Transport:
    """One ``httpx.AsyncClient`` with the retry policy and error mapping around it."""

    def __init__(self, server: str, *, token: str | None = None, timeout: float = 15.0,
                 connect_timeout: float = 5.0, retries: int = 2,
                 ca_bundle: Path | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.retries = retries
        self._sleep = sleep
        self._jitter = jitter
        verify = (ssl_context(ca_bundle) if self.server.startswith("https://")
                  else plain_http_context())
        self._http = httpx.AsyncClient(
            base_url=self.server + API_PREFIX, verify=verify, transport=transport,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20,
                                keepalive_expiry=KEEPALIVE_SECONDS),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False, trust_env=True)

    async def aclose(self) -> None:
        await self._http.aclose()

    def backoff(self, attempt: int) -> float:
        """Exponential, capped, with jitter so many clients do not retry in step."""
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** attempt)
        return ceiling * (0.5 + self._jitter() / 2)

    async def send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                   body: BaseModel | None = None, idempotency_key: str | None = None,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        """The response (2xx); anything else raised as its ChallengeError. ``headers``:
        more request headers (e.g. If-Match)."""
        headers = dict(headers or {})
        if self.token:
            if not self.token.isascii() or not self.token.isprintable():
                raise ConfigError("The token holds characters no token has (was it pasted "
                                  "with extra text?); sign in again or fix CHALLENGE_TOKEN.")
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        content = None
        if body is not None:
            content = body.model_dump_json(exclude_unset=True).encode()
            headers["Content-Type"] = "application/json"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, path, params=query,
                                                    content=content, headers=headers)
            except httpx.TransportError as exc:
                if attempt < self.retries and _retryable_transport_error(exc):
                    await self._sleep(self.backoff(attempt))
                    attempt += 1
                    continue
                raise connection_error(exc, self.server) from exc
            except httpx.HTTPError as exc:  # e.g. a body that does not decode
                raise ResponseInvalid(f"{method} {path}: the server's answer could not be "
                                      f"read ({type(exc).__name__}: {exc}).") from exc
            if response.is_success:
                return response
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if (response.status_code in RETRY_STATUSES and attempt < self.retries
                    and (wait is None or wait <= MAX_RETRY_AFTER)):
                await self._sleep(wait if wait is not None else self.backoff(attempt))
                attempt += 1
                continue
            raise error_for(problem_of(response), response.headers.get("X-Request-ID"), wait,
                            response.content)

    @contextlib.asynccontextmanager
    async def stream(self, path: str, *, params: Mapping[str, Any] | None = None,
                     headers: Mapping[str, str] | None = None,
                     read_timeout: float | None = None) -> AsyncIterator[httpx.Response]:
        """A GET whose body is read as it comes (``aiter_lines``), not retried here;
        anything but 2xx raised as its ChallengeError, and so are transport failures
        while it is read. ``read_timeout``: how long it may stay silent."""
        sent = {"Accept": "text/event-stream", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        timeout = httpx.Timeout(self._http.timeout.connect or 5.0, read=read_timeout,
                                connect=self._http.timeout.connect)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            async with self._http.stream("GET", path, params=query, headers=sent,
                                         timeout=timeout) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_for(problem_of(response), response.headers.get("X-Request-ID"),
                                    retry_after_seconds(response.headers.get("Retry-After")),
                                    response.content)
                yield response
        except httpx.TransportError as exc:
            raise connection_error(exc, self.server) from exc

    async def call(self, method: str, path: str, model: type[M], **kwargs: Any) -> M:
        return self.decode(await self.send(method, path, **kwargs), model, f"{method} {path}")

    @staticmethod
    def decode(response: httpx.Response, model: type[M], what: str) -> M:
        """``response``'s body as ``model``; ``what`` (e.g. "GET /me") names the call."""
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ResponseInvalid(
                f"{what}: the server's answer does not match {model.__name__} "
                f"({exc.error_count()} problems, first: {exc.errors()[0]['msg']}). "
                "Is the server a Change Challenge server of a compatible version?") from exc
