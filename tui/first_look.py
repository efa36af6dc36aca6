"""The app's first look: the one challenge and its first page, before the client loads.

The command line starts ``prefetch`` before it imports Textual: in a thread, it
chooses the token store and, with a kept token, fetches what the challenge screen shows
first with ``client.peek`` (no httpx, no pydantic), while the main thread imports the
app. The app shows that at once, loads the typed client meanwhile, checks the same
answers against the wire models (``typed``) and puts the real screen in its place.
Anything unusual (several challenges, a token the server refuses, a proxy, a bad
answer) gives no first look, and the app goes the full client's way.
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
from client.peek import Peek, Unavailable

if TYPE_CHECKING:
    from client.models import Challenge, User
    from tui.widgets.submission_list import Row

PAGE = 50  # the list's page size (``tui.widgets.submission_list`` uses this one)

MODERATORS = ("moderator", "admin")


@dataclass(frozen=True)
class PhaseTime:
    name: str
    ends_at: datetime


@dataclass(frozen=True)
class Who:
    display_name: str
    role: str


@dataclass
class FirstLook:
    """The answers as received, and what the first screen draws from them."""

    me: dict[str, Any]
    challenge: dict[str, Any]
    page: dict[str, Any]
    who: Who
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
    peek = Peek(server, token, config.ca_bundle, config.connect_timeout)
    try:
        me, challenges = await asyncio.gather(peek.get("/me"),
                                              peek.get("/challenges", limit=100))
        if len(challenges["items"]) != 1:
            return None  # the challenges screen: the full client's way
        slug = str(challenges["items"][0]["slug"])
        challenge = await peek.get(f"/challenges/{quote(slug, safe='')}")
        if not challenge["prompts"]:
            return None
        who = Who(str(me["display_name"]), str(me["role"]))
        current = challenge["current_phase"]
        # As the challenge screen decides: no 'top' while counts are hidden.
        sort = ("random" if current is not None and not current["show_counts"]
                and who.role not in MODERATORS else "new")
        prompts = [(str(p["kind"]), str(p["question"])) for p in challenge["prompts"]]
        page = await peek.get(f"/challenges/{quote(slug, safe='')}/submissions",
                              kind=prompts[0][0], sort=sort, limit=PAGE)
        return FirstLook(
            me=me, challenge=challenge, page=page, who=who,
            phase=(PhaseTime(str(current["name"]), datetime.fromisoformat(current["ends_at"]))
                   if current is not None else None),
            slug=slug, title=str(challenge["title"]), prompts=prompts, sort=sort)
    except (Unavailable, KeyError, TypeError, ValueError, IndexError):
        return None


def typed(look: FirstLook) -> tuple[User, Challenge, list[Row], str | None]:
    """The same answers checked against the wire models (raises pydantic's
    ValidationError when they do not match)."""
    from client.models import Challenge, Page, Submission, User
    from tui.widgets.submission_list import Row

    page = Page[Submission].model_validate(look.page)
    return (User.model_validate(look.me), Challenge.model_validate(look.challenge),
            [Row.of(s) for s in page.items], page.next_cursor)
