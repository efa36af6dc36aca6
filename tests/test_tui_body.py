"""A body of any shape within the size limit opens without holding the keyboard:
parsed and wrapped in threads, mounted a piece at a time, and what would make thousands
of Markdown widgets is shown as written instead.

Structural, not timed (the timing is ``python -m bench tui-body``)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from typing import Any

import pytest
from markdown_it import MarkdownIt
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown

from bench.tui_body import HEAVY, LIMIT
from client.models import SubmissionCreate
from tests import tui_support
from tests.test_tui import World, make_app, open_submission, world
from tui import body as plan
from tui.body import formatted, prepare
from tui.widgets import body as widgets
from tui.widgets.body import AsWritten, Body, BodyMarkdown

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]

USUAL = ("## What we did\n\nWe met **every** morning.\n\n- one\n- two\n- three\n\n"
         "| a | b |\n|---|---|\n| 1 | 2 |\n\n> It worked.\n") * 3


@pytest.mark.parametrize("shape", HEAVY)
def test_bodies_that_would_make_too_many_widgets_are_shown_as_written(shape: str) -> None:
    assert len(HEAVY[shape]) <= LIMIT
    assert not formatted(HEAVY[shape])


def test_usual_bodies_are_formatted() -> None:
    assert formatted(USUAL)
    assert formatted("lorem ipsum " * 800)  # long prose is one paragraph


@pytest.mark.parametrize("body, as_markdown", [(HEAVY["table 200 x 24"], False),
                                               (USUAL, True)], ids=["table", "usual"])
async def test_a_submission_shows_its_body_the_cheap_way(world: World, body: str,
                                                         as_markdown: bool) -> None:
    await world.admin.create_submission("change", SubmissionCreate(
        kind="story", title="A big table", body=body))
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_submission(pilot)
        shown = screen.query_one(Body)
        markdown, text = shown.query_one(BodyMarkdown), shown.query_one(AsWritten)
        assert markdown.display is as_markdown and text.display is not as_markdown
        if as_markdown:
            assert len(markdown.children) > 5 and text.text == "" and not text.lines
        else:
            assert len(markdown.children) == 0  # not one widget per cell
            assert text.text == body
            assert "".join(text.lines) == body.replace("\n", "")  # folded, no spaces


class Holder(App[None]):
    """A body, and Textual's own Markdown to compare it with."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Body()
            yield Markdown(open_links=False, id="textuals")


MIXED = USUAL + "word\n\n" * 10 + "1. first\n2. second\n\n```py\nx = 1\n```\n\n---\n"


def shape(widget: Widget) -> list[tuple[str, Any]]:
    return [(type(node).__name__, getattr(node, "source_range", None))
            for node in widget.walk_children()]


async def test_markdown_is_parsed_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """markdown-it is pure Python: 50-150 ms for 10,000 characters."""
    parsed_on: list[threading.Thread] = []
    parse = MarkdownIt.parse

    def spy(self: MarkdownIt, src: str, env: Any = None) -> Any:
        parsed_on.append(threading.current_thread())
        return parse(self, src, env)

    monkeypatch.setattr(MarkdownIt, "parse", spy)
    plan.prepare.cache_clear()
    app = Holder()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(Body).update(USUAL + " (parsed once)")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.query_one(BodyMarkdown).children) > 5
    assert parsed_on and threading.main_thread() not in parsed_on


async def test_markdown_is_mounted_a_piece_at_a_time_as_textual_would_draw_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    mounted: list[int] = []
    refreshed: list[int] = []
    mount_all, wait = BodyMarkdown.mount_all, BodyMarkdown.wait_for_refresh

    def counting(self: BodyMarkdown, widgets: Any, **kwargs: Any) -> Any:
        mounted.append(len(widgets))
        return mount_all(self, widgets, **kwargs)

    async def waiting(self: BodyMarkdown) -> bool:
        refreshed.append(len(mounted))
        return await wait(self)

    monkeypatch.setattr(BodyMarkdown, "mount_all", counting)
    monkeypatch.setattr(BodyMarkdown, "wait_for_refresh", waiting)
    assert formatted(MIXED)
    app = Holder()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(Body).update(MIXED)
        textuals = app.query_one("#textuals", Markdown)
        await textuals.update(MIXED)
        await app.workers.wait_for_complete()
        await pilot.pause()
        ours = app.query_one(BodyMarkdown)
        assert shape(ours) == shape(textuals)  # the same blocks, in the same places
        assert ours.source == MIXED
    prepared = prepare(MIXED)
    assert len(mounted) == len(prepared.pieces) > 3
    assert max(mounted) <= plan.PIECE  # top-level blocks, each at least one token
    assert refreshed == list(range(1, len(mounted) + 1))  # drawn after every piece


def test_pieces_keep_blocks_whole_and_within_the_piece_size() -> None:
    found = [(0, 3, 5), (3, 6, 5), (6, 9, 30), (9, 12, 1)]
    assert plan.pieces(found, size=10) == [(0, 6), (6, 9), (9, 12)]
    tokens = MarkdownIt("gfm-like").parse(MIXED)
    found = plan.blocks(tokens)
    assert found[0][0] == 0 and found[-1][1] == len(tokens)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(found))
    assert all(tokens[end - 1].level == 0 for _, end, _ in found)


async def test_text_as_written_is_wrapped_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    wrapped_on: list[threading.Thread] = []

    def spy(text: str, width: int) -> list[str]:
        wrapped_on.append(threading.current_thread())
        return plan.wrap(text, width)

    monkeypatch.setattr(widgets, "wrap", spy)
    text = HEAVY["1,666 paragraphs"] + "lorem ipsum " * 50
    app = Holder()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(Body).update(text)
        await tui_support.settle(pilot)
        written = app.query_one(AsWritten)
        width = written.scrollable_content_region.width
        assert written.display and 0 < width < 80
        assert all(len(line) <= width for line in written.lines)
        assert " ".join(" ".join(written.lines).split()) == " ".join(text.split())
    assert wrapped_on and threading.main_thread() not in wrapped_on


WARM_PROBE = """
import asyncio, sys, threading
from importlib.abc import MetaPathFinder

seen = {}
class Watch(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in ("markdown_it", "textual.widgets._markdown", "tui.widgets.body"):
            seen.setdefault(name, threading.current_thread() is threading.main_thread())
        return None
sys.meta_path.insert(0, Watch())

from client.config import ClientConfig
from tui.app import ChallengeApp

async def main():
    app = ChallengeApp(ClientConfig(token_store="memory"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
asyncio.run(main())
print(sorted(seen.items()))
"""


def test_what_a_submission_needs_is_imported_at_start_up_in_a_thread() -> None:
    """Else the first open holds the keys for 40-100 ms of imports (a fresh process: the
    test process has them all)."""
    done = subprocess.run([sys.executable, "-c", WARM_PROBE], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.split("\n")[-2] == str(
        [("markdown_it", False), ("textual.widgets._markdown", False),
         ("tui.widgets.body", False)]), done.stdout[-2000:]
