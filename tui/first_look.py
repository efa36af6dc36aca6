"""The app's first look: the challenges, or the only one and its first page, before the
typed client has loaded.

The command line starts ``prefetch`` before it imports Textual: in a thread, it
chooses the token store and, with a kept token, fetches what the first screen shows
with ``client.peek`` (no httpx, no pydantic), while the main thread imports the app.
Those requests go on one connection, all at once where the challenge the person was
in last time is remembered (``tui.last_place``).
The app shows that at once, loads the typed client meanwhile, checks the same answers
against the wire models (``typed_*``) and puts the real screen in its place. Anything
unusual (a token the server refuses, a proxy, a challenge without prompts, an answer
not as the API promises) gives no first look, and the app goes the full client's way.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from client.config import ClientConfig
from client.credentials import StoreChoice, choose_store
from client.peek import Answer, Ask, Channel, Peek, Unavailable
from tui.last_place import Place, recall, remember
from tui.session import counts_hidden

if TYPE_CHECKING:
    from client.models import Challenge, ChallengeSummary, Page, User
    from tui.widgets.submission_list import Row

# A server slower than this gets no first look: the usual way then says what is wrong,
# and a person is not kept waiting twice for it.
FIRST_LOOK_SECONDS = 1.5
PAGE = 50  # the list's page size (``tui.widgets.submission_list`` uses this one)


@dataclass(frozen=True)
class PhaseTime:
    name: str
    ends_at: datetime

    @classmethod
    def of_json(cls, phase: dict[str, Any] | None) -> PhaseTime | None:
        if phase is None:
            return None
        return cls(str(phase["name"]), datetime.fromisoformat(phase["ends_at"]))


@dataclass(frozen=True)
class Who:
    display_name: str
    role: str


@dataclass(frozen=True)
class Summary:
    """What the challenges list shows of a challenge."""

    slug: str
    title: str
    current_phase: PhaseTime | None
    submissions: int
    participants: int


@dataclass
class OneChallenge:
    """The only challenge: as received, and what its screen draws first."""

    challenge: dict[str, Any]
    page: dict[str, Any]  # the front tab's first page
    phase: PhaseTime | None
    slug: str
    title: str
    prompts: list[tuple[str, str]]  # (kind, question), in the challenge's order
    sort: str

    def rows(self) -> list[Row]:
        """The first page's rows (made in the app's thread: it needs Textual's modules,
        which that thread is importing while the first look is fetched)."""
        from tui.widgets.submission_list import Row

        return [Row.of_json(item) for item in self.page["items"]]


@dataclass
class FirstLook:
    """The answers as received: who is signed in, the challenges, and the challenge
    itself when there is only one (the app goes straight in)."""

    me: dict[str, Any]
    who: Who
    challenges: dict[str, Any]
    one: OneChallenge | None

    def summaries(self) -> list[Summary]:
        return [Summary(str(c["slug"]), str(c["title"]), PhaseTime.of_json(c["current_phase"]),
                        int(c["submissions"]), int(c["participants"]))
                for c in self.challenges["items"]]


Early = Future[tuple[StoreChoice, "FirstLook | None"]]


def prefetch(config: ClientConfig) -> Early:
    """The token store and, if one applies, the first look, from a thread started now."""
    early: Early = Future()
    switch_interval = sys.getswitchinterval()

    def run() -> None:
        # While the main thread imports the app, this one waits on the network and
        # then needs the GIL back for a moment each time: hand it over sooner.
        sys.setswitchinterval(0.0005)
        try:
            store = choose_store(config)
            token = store.store.get(config.server) if config.server else None
            look = (asyncio.run(take(config, config.server, token))
                    if config.server and token else None)
            early.set_result((store, look))
        except BaseException as exc:  # handed to whoever waits on it
            early.set_exception(exc)
        finally:
            sys.setswitchinterval(switch_interval)

    threading.Thread(target=run, name="first-look", daemon=True).start()
    return early


async def take(config: ClientConfig, server: str, token: str) -> FirstLook | None:
    """The first look, or None when it does not apply (see the module's docstring)."""
    if not Peek.applies(server):
        return None
    peek = Peek(server, token, config.ca_bundle, FIRST_LOOK_SECONDS)
    place = recall(server)
    try:
        async with asyncio.timeout(FIRST_LOOK_SECONDS):
            look = await _take(peek, place)
    except (Unavailable, KeyError, TypeError, ValueError, IndexError, TimeoutError):
        return None
    found = Place(look.one.slug, look.one.prompts[0][0], look.one.sort) if look.one else None
    if found != place:
        remember(server, found)
    return look


async def _take(peek: Peek, place: Place | None) -> FirstLook:
    """On one connection: who, the challenges and, with a remembered ``place``, that
    challenge and its first page, all asked at once; what the guess got wrong after."""
    async with peek.connect() as channel:
        asks: list[Ask] = [("/me", {}), ("/challenges", {"limit": 100})]
        if place is not None:
            asks += [(_path(place.slug), {}), _first_page(place.slug, place.kind, place.sort)]
        answers = await channel.ask(*asks)
        me, challenges = answers[0].json(), answers[1].json()
        who = Who(str(me["display_name"]), str(me["role"]))
        one = (await _one(channel, str(challenges["items"][0]["slug"]), place,
                          answers[2:]) if len(challenges["items"]) == 1 else None)
    return FirstLook(me=me, who=who, challenges=challenges, one=one)


def _path(slug: str) -> str:
    return f"/challenges/{quote(slug, safe='')}"


def _first_page(slug: str, kind: str, sort: str) -> Ask:
    return f"{_path(slug)}/submissions", {"kind": kind, "sort": sort, "limit": PAGE}


async def _one(channel: Channel, slug: str, place: Place | None,
               guessed: list[Answer]) -> OneChallenge:
    if place is None or place.slug != slug or guessed[0].status != 200:
        guessed = []  # not where the person was: ask
    challenge = (guessed[0] if guessed else (await channel.ask((_path(slug), {})))[0]).json()
    current = challenge["current_phase"]
    # As the challenge screen decides (ChallengeScreen.adopt).
    sort = "random" if counts_hidden(
        bool(current["show_counts"]) if current is not None else None) else "new"
    prompts = [(str(p["kind"]), str(p["question"])) for p in challenge["prompts"]]
    if guessed and place == Place(slug, prompts[0][0], sort):
        page = guessed[1].json()
    else:
        page = (await channel.ask(_first_page(slug, prompts[0][0], sort)))[0].json()
    return OneChallenge(challenge=challenge, page=page, phase=PhaseTime.of_json(current),
                        slug=slug, title=str(challenge["title"]), prompts=prompts, sort=sort)


def typed_user(look: FirstLook) -> User:
    """``me`` checked against the wire model (pydantic's ValidationError if it fails)."""
    from client.models import User

    return User.model_validate(look.me)


def typed_challenges(look: FirstLook) -> Page[ChallengeSummary]:
    from client.models import ChallengeSummary, Page

    return Page[ChallengeSummary].model_validate(look.challenges)


def typed_challenge(one: OneChallenge) -> tuple[Challenge, list[Row], str | None]:
    """The challenge and its first page, checked: the rows as the list makes them."""
    from client.models import Challenge, Page, Submission
    from tui.widgets.submission_list import Row

    page = Page[Submission].model_validate(one.page)
    return (Challenge.model_validate(one.challenge), [Row.of(s) for s in page.items],
            page.next_cursor)
