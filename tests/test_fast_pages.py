"""Cached pages answered before FastAPI (server/fast_pages.py): taken for the plain
request, left to the app for everything else, and the same answer either way.

Byte-for-byte equality with an uncached server, through this path, is
tests/test_page_cache.py's ``test_cached_pages_are_what_an_uncached_server_sends``;
here: that the path is really taken, and what it leaves to the app.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from client.models import Page, Submission
from server import fast_pages
from server.pages import Pages
from tests.moderation_support import vote
from tests.support import TestApi

LIST = "/challenges/change/submissions"


class Served:
    """Which requests the fast path answered."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        page = fast_pages._page

        async def counted(*args: Any) -> bytes:
            body = await page(*args)
            self.count += 1
            return body

        monkeypatch.setattr(fast_pages, "_page", counted)


@pytest.fixture
def served(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Served:
    # A cache on a clock that stands still: nothing expires mid-test.
    app.state.services.pages = Pages(1.0, clock=lambda: 0.0)
    return Served(monkeypatch)


async def test_a_cached_page_is_served_before_the_app_with_the_same_answer(
        api: TestApi, served: Served) -> None:
    await api.challenge()
    author, voter = await api.person(), await api.person()
    ids = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(3)]
    await vote(api, voter, ids[1], 1)
    for who in (None, author, voter):
        headers = who.headers if who else {}
        first = await api.http.get(LIST, params={"sort": "top"}, headers=headers)
        before = served.count
        second = await api.http.get(LIST, params={"sort": "top"}, headers=headers)
        assert served.count == before + 1  # answered from the cache, before FastAPI
        assert second.status_code == first.status_code == 200
        assert second.content == first.content
        assert second.headers["content-type"] == first.headers["content-type"]
        assert second.headers["content-length"] == str(len(second.content))
        assert second.headers["x-request-id"] != first.headers["x-request-id"]
    mine = {s["id"]: s["my_vote"] for s in (await api.http.get(
        LIST, params={"sort": "top"}, headers=voter.headers)).json()["items"]}
    assert mine[ids[1]] == 1 and mine[ids[0]] is None


@pytest.mark.parametrize(("params", "status"), [
    ({"limit": "0"}, 422), ({"limit": "05"}, 200), ({"sort": "sideways"}, 422),
    ({"sort": "random"}, 200), ({"mine": "true"}, 200), ({"unknown": "1"}, 200),
    ({"cursor": "not-a-cursor"}, 422), ({"q": ""}, 200), ({"q": "x" * 201}, 422),
])
async def test_what_it_does_not_plainly_serve_is_left_to_the_app(
        api: TestApi, served: Served, params: dict[str, str], status: int) -> None:
    await api.challenge()
    author = await api.person()
    await api.submit(author)
    for _ in range(2):  # the second would be a cache hit if the path took it
        r = await api.http.get(LIST, params={**params}, headers=author.headers)
        assert r.status_code == status, r.text
    assert served.count == 0


async def test_tokens_it_cannot_vouch_for_are_left_to_the_app(
        api: TestApi, served: Served) -> None:
    await api.challenge()
    author = await api.person()
    await api.submit(author)
    await api.http.get(LIST)  # the page is cached
    before = served.count
    unknown = await api.http.get(LIST, headers={"Authorization": "Bearer not-a-token"})
    assert unknown.status_code == 401
    lower = await api.http.get(LIST, headers={"Authorization": "bearer " + author.token})
    assert lower.status_code == 200  # the app's answer, whatever it decides
    assert served.count == before


async def test_pages_written_by_hand_are_what_the_model_writes(api: TestApi) -> None:
    """Both paths write ``Page[Submission]`` by hand (server/pages.py): byte for byte
    what the model itself serialises, for every viewer and an anonymous item."""
    await api.challenge(anonymous_default=True)
    author, voter, mod = await api.person(), await api.person(), await api.person("moderator")
    ids = [(await api.submit(author, title=f'Item {i} \u2713 "q"', anonymous=i == 1,
                             themes=["Time and capacity"] if i else []))["id"]
           for i in range(3)]
    await vote(api, voter, ids[2], -1)
    for who in (None, author, voter, mod):
        for params in ({}, {"sort": "top", "limit": "2"}, {"q": "item"}, {"sort": "random"}):
            r = await api.http.get(LIST, params=params, headers=who.headers if who else {})
            assert r.status_code == 200, r.text
            model = Page[Submission].model_validate_json(r.content)
            assert r.content == model.model_dump_json().encode(), (params, who)
