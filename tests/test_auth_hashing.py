"""Password hashing per worker is bounded: a burst of sign-ins queues for its turn."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Literal

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI

from server.config import Settings
from server.security import Passwords
from server.services import Services


class GatedHasher(PasswordHasher):
    """Counts the verifications running at once, each held until the gate opens."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=256)
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.running = self.peak = self.done = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            assert self.gate.wait(timeout=60), "the gate never opened"
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1
                self.done += 1


async def wait_for(condition: Any, what: str) -> None:
    """No event says "queued in the limiter": poll, with a deadline."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_concurrent_sign_ins_hash_at_most_the_limit(app: FastAPI) -> None:
    services: Services = app.state.services
    limit, burst = 2, 7
    gated = GatedHasher()
    services.passwords = Passwords(1, 256, limit, hasher=gated)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
        tries = [asyncio.create_task(http.post("/auth/login", json={
            "email": f"who{i}@example.org", "password": "not the password"}))
            for i in range(burst)]
        # Every request has reached the hashing step: `limit` hash, the rest queue.
        await wait_for(lambda: gated.running + services.passwords.waiting == burst
                       or gated.running > limit, "the burst to reach the hasher")
        assert (gated.running, services.passwords.waiting) == (limit, burst - limit)
        gated.gate.set()
        answers = await asyncio.gather(*tries)
    assert [r.status_code for r in answers] == [401] * burst
    assert gated.peak == limit and gated.done == burst


def test_the_default_limit_follows_the_cpus() -> None:
    import os

    cpus = len(os.sched_getaffinity(0))
    assert Settings().hashing_threads == cpus
    assert Settings(hash_concurrency=3).hashing_threads == 3


async def test_the_app_bounds_hashing_as_configured(settings: Settings) -> None:
    from server.app import create_app

    settings.hash_concurrency = 3
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert app.state.services.passwords.concurrency == 3
