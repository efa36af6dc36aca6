"""Test support for the develop stage: a challenge whose share phase runs now and whose
develop phase follows, people in every role, and short-hands over the guide API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support import DAY, Person, TestApi, phase


def develop_phases() -> list[dict[str, Any]]:
    """Share (now), then develop (from tomorrow for nine days): times from now."""
    return [phase("Share", -DAY, DAY, submissions=True, comments=True, votes=True),
            phase("Develop", DAY, 10 * DAY, develop=True)]


def if_match(who: Person, version: int | str) -> dict[str, str]:
    return {**who.headers, "If-Match": str(version)}


@dataclass
class World:
    """A challenge in its share phase with people in every role; ``develop()`` moves the
    server's clock into the develop phase, ``close()`` past its end."""

    api: TestApi
    admin: Person
    moderator: Person
    author: Person
    participant: Person
    contributor: Person

    @property
    def http(self) -> httpx.AsyncClient:
        return self.api.http

    def develop(self) -> None:
        self.api.clock.advance(2 * DAY)

    def close(self) -> None:
        self.api.clock.advance(20 * DAY)

    async def submit(self, who: Person | None = None, **fields: Any) -> dict[str, Any]:
        return await self.api.submit(who or self.author, **fields)

    async def shortlist(self, submission_id: int, who: Person | None = None,
                        **fields: Any) -> dict[str, Any]:
        r = await self.http.post("/challenges/change/guide/entries",
                                 json={"submission_id": submission_id, **fields},
                                 headers=(who or self.moderator).headers)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    async def patch(self, entry_id: int, who: Person, version: int | str | None,
                    **fields: Any) -> httpx.Response:
        headers = who.headers if version is None else if_match(who, version)
        return await self.http.patch(f"/guide/entries/{entry_id}", json=fields,
                                     headers=headers)

    async def entry(self, entry_id: int, who: Person | None = None) -> dict[str, Any]:
        r = await self.http.get(f"/guide/entries/{entry_id}",
                                headers=(who or self.moderator).headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def add_contributor(self, entry_id: int, *people: Person) -> dict[str, Any]:
        current = await self.entry(entry_id)
        r = await self.patch(entry_id, self.moderator, current["version"],
                             contributor_ids=[p.id for p in people])
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


async def world(api: TestApi, **overrides: Any) -> World:
    admin = await api.person("admin")
    await api.challenge(admin, **{"phases": develop_phases(), **overrides})
    return World(api, admin, await api.person("moderator"), await api.person(),
                 await api.person(), await api.person())
