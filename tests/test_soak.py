"""Random keys on every screen, both roles, at 80x24, against the demo served in-process:
the app must neither crash nor stop handling keys.

Each (role, screen) run is seeded from ``SOAK_SEED`` (default below) and its name, and
a failure prints the seed and the keys sent, so ``SOAK_SEED=<seed> pytest -k <role>``
replays it. Keys go to the app the way the terminal driver sends them: mostly one at a
time, sometimes two or three in one burst (a key handled before the screen the previous
one opened is laid out, e.g. PageDown right after ctrl+p).
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import os
import random
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
import pytest
from textual import events
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tests.test_snapshots import MODERATOR, demo_app, demo_transport
from tui.app import ChallengeApp
from tui.screens.challenge import ChallengeScreen

# The fixture, by name, for pytest.
demo_transport = demo_transport

T = TypeVar("T")

SEED = int(os.environ.get("SOAK_SEED", "20261126"))
KEYS_PER_SCREEN = 40
# A key that the app does not handle within this long means it stopped handling keys
# (a hang), not that it is slow: normal keys take milliseconds.
DEADLINE = 20.0

# The README's keys, and the keys a person hits anyway. Left out: q, ctrl+q and ctrl+o,
# which end the app or the session (the soak would stop soaking).
COMMON = ["j", "k", "down", "up", "g", "G", "enter", "l", "escape", "h", "left", "right",
          "left_square_bracket", "right_square_bracket", "1", "2", "3", "4", "slash", "t",
          "plus", "minus", "0", "c", "f", "n", "d", "e", "w", "o", "s", "r",
          "question_mark", "ctrl+p", "pageup", "pagedown", "tab", "shift+tab", "home",
          "end", "space", "y", "x", "5", "ctrl+s", "backspace"]
MODERATOR_KEYS = ["M", "a", "m", "u", "J", "K"]

# The screens, by the keys that open them from the challenge screen, and what opens.
PARTICIPANT_SCREENS = {
    "challenge": ((), "ChallengeScreen"),
    "submission": (("enter",), "SubmissionScreen"),
    "comment": (("enter", "c"), "WriteScreen"),
    "flag": (("enter", "f"), "PickScreen"),
    "compose": (("n",), "ComposeScreen"),
    "drafts": (("d",), "DraftsScreen"),
    "stats": (("s",), "StatsScreen"),
    "themes": (("t",), "PickScreen"),
    "help": (("question_mark",), "HelpScreen"),
    "challenges": (("escape",), "ChallengesScreen"),
    "mine": (("o",), "ChallengeScreen"),
    "search": (("slash",), "ChallengeScreen"),
    "palette": (("ctrl+p",), "CommandPalette"),
}
MODERATOR_SCREENS = {
    **PARTICIPANT_SCREENS,
    "moderation": (("M",), "ModerationScreen"),
    "log": (("M", "l"), "ModerationLogScreen"),
    "filters": (("M", "f"), "FilterScreen"),
    "reject": (("M", "x"), "RejectScreen"),
    "merge": (("M", "j", "j", "m"), "MergeScreen"),
    "moderation-help": (("M", "question_mark"), "HelpScreen"),
}


async def within(step: Awaitable[T], what: str) -> T:
    try:
        return await asyncio.wait_for(step, DEADLINE)
    except TimeoutError:
        pytest.fail(f"the app stopped handling keys: {what}")


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def send(app: ChallengeApp, keys: list[str]) -> None:
    """Keys as the terminal driver sends them: all at once, nothing waited for."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else {"space": " ", "plus": "+", "minus": "-",
                                          "slash": "/", "question_mark": "?"}.get(key)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


async def home(pilot: Pilot[Any], app: ChallengeApp, slug: str) -> None:
    """Back to a challenge screen, however deep the soak went."""
    while len(app.screen_stack) > 2:
        app.pop_screen()
        await pilot.pause()
    if not isinstance(app.screen, ChallengeScreen):  # the soak went back to the list
        app.switch_to(ChallengeScreen(slug))
    await settle(pilot)


async def soak(app: ChallengeApp, screens: dict[str, tuple[tuple[str, ...], str]],
               keys: list[str], role: str) -> int:
    """Every screen in turn; answers how many keys were sent."""
    sent = 0
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await within(settle(pilot), "start-up")
        assert isinstance(app.screen, ChallengeScreen)
        slug = app.screen.slug
        for name, (opening, opens) in screens.items():
            seed = f"{SEED}:{role}:{name}"
            rng = random.Random(seed)
            history: list[str] = list(opening)
            try:
                await within(home(pilot, app, slug), f"{name}: going back")
                for key in opening:
                    await within(pilot.press(key), f"{name}: opening")
                    await within(settle(pilot), f"{name}: opening")
                assert type(app.screen).__name__ == opens, f"{name}: {app.screen}"
                left = KEYS_PER_SCREEN
                while left > 0:
                    burst = [rng.choice(keys) for _ in range(min(left, rng.choice((1, 1, 2, 3))))]
                    history.extend(burst)
                    left -= len(burst)
                    send(app, burst)
                    await within(pilot.pause(), f"{name}: after {burst}")
                    if rng.random() < 0.2:  # now and then, let the server answer too
                        await within(settle(pilot), f"{name}: after {burst}")
                    assert app.return_code is None and app._exception is None
                sent += len(history)
            except BaseException as failure:
                raise AssertionError(
                    f"soak {role}/{name} failed (replay: SOAK_SEED={SEED}, seed {seed!r}); "
                    f"keys: {' '.join(history)}: {failure!r}") from failure
    return sent


@pytest.mark.parametrize("role", ["participant", "moderator"])
async def test_random_keys_on_every_screen(demo_transport: httpx.ASGITransport,
                                           role: str) -> None:
    moderator = role == "moderator"
    app = (demo_app(demo_transport, who=MODERATOR) if moderator
           else demo_app(demo_transport))
    screens = MODERATOR_SCREENS if moderator else PARTICIPANT_SCREENS
    keys = COMMON + (MODERATOR_KEYS if moderator else [])
    # A blocked event loop cannot time itself out: this thread ends the run, with every
    # thread's stack, if the whole soak outlives a generous bound.
    faulthandler.dump_traceback_later(DEADLINE * 10, exit=True)
    try:
        sent = await soak(app, screens, keys, role)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert sent >= KEYS_PER_SCREEN * len(screens)


async def test_page_keys_on_a_palette_not_laid_out(demo_transport: httpx.ASGITransport) -> None:
    """PageDown/PageUp reaching the command palette's list before it has a size (its
    commands arrived, the next layout has not happened) used to end the app with
    ``KeyError`` in Textual's ``OptionList._move_page``."""
    app = demo_app(demo_transport)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        commands = palette.query_one(CommandList)
        # The state between ``_refresh_command_list`` and the layout that follows: the
        # palette's container not shown yet, the list holding commands, one highlighted.
        palette.remove_class("-ready")
        await pilot.pause()
        offered = list(commands.options)
        commands.clear_options().add_options(offered)  # as ``_refresh_command_list`` does
        commands.highlighted = 0
        assert commands.option_count and commands.highlighted == 0
        await pilot.press("pagedown", "pageup", "pagedown")
        assert app.return_code is None and app._exception is None
        assert isinstance(app.screen, CommandPalette)


async def test_leaving_a_challenge_before_it_has_loaded(
        demo_transport: httpx.ASGITransport) -> None:
    """``l`` then ``h`` in one burst on the challenges list: the challenge's loader used to
    build its tabs on the screen being removed and end the app (``NoMatches``)."""
    app = demo_app(demo_transport)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # the lone challenge's back: the list
        await settle(pilot)
        for _ in range(3):
            send(app, ["l", "h"])
            await settle(pilot)
            assert app.return_code is None and app._exception is None
            assert type(app.screen).__name__ == "ChallengesScreen"
