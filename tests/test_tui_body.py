"""A body of any shape within the size limit opens without holding the keyboard:
what would make thousands of Markdown widgets is shown as written instead.

Structural, not timed (the timing is ``python -m bench tui-body``)."""

from __future__ import annotations

import pytest
from textual.widgets import Markdown, TextArea

from client.models import SubmissionCreate
from tests import tui_support
from tests.test_tui import World, make_app, open_submission, world
from tui.body import formatted
from tui.widgets.body import Body

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]

LIMIT = 10_000


def table(rows: int, columns: int) -> str:
    return ("|" + "|".join(f"c{i}" for i in range(columns)) + "|\n"
            + "|" + "|".join(["-"] * columns) + "|\n"
            + ("|" + "|".join(["x"] * columns) + "|\n") * rows)[:LIMIT]


HEAVY = {
    "table 200 x 24": table(200, 24),
    "2,450 columns": ("|a" * 2450 + "|\n" + "|-" * 2450 + "|\n")[:LIMIT],
    "paragraphs": "word\n\n" * 1666,
    "list items": "- item\n" * 1428,
    "headings": "# h\n" * 2500,
    "quotes": "> q\n\n" * 2000,
    "code": "```\n" + "x\n" * 4990 + "```\n",
}
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
                                               (USUAL, True)])
async def test_a_submission_shows_its_body_the_cheap_way(world: World, body: str,
                                                         as_markdown: bool) -> None:
    await world.admin.create_submission("change", SubmissionCreate(
        kind="story", title="A big table", body=body))
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_submission(pilot)
        shown = screen.query_one(Body)
        markdown, text = shown.query_one(Markdown), shown.query_one(TextArea)
        assert markdown.display is as_markdown and text.display is not as_markdown
        if as_markdown:
            assert len(markdown.children) > 5 and text.text == ""
        else:
            assert len(markdown.children) == 0  # not one widget per cell
            assert text.text == body and text.read_only
