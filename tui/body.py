"""How a submission's body is drawn, worked out off the event loop (``prepare`` runs in
a thread): as Markdown, mounted a piece at a time, or as the text it is.

Textual's Markdown widget makes a widget per block and per table cell, and styles and
lays them out on the event loop: a 10 KB table of 200 rows x 24 columns held the
keyboard for seconds, and so do a thousand short paragraphs or list items. So:

- parsing (markdown-it, pure Python: 50-150 ms for 10,000 characters) happens here, in
  a thread, once; the widget builds its blocks from these tokens;
- the top-level blocks are mounted in pieces of at most ``PIECE`` widget-making tokens,
  with a repaint between pieces, so no single step of the event loop styles and lays
  out more than about that many widgets (keys are handled between pieces);
- one block cannot be split (a table is one widget with a cell per widget): a body
  with a block above ``BLOCK``, or above ``BUDGET`` in all, is shown as written
  instead, which costs the same whatever its shape (``wrap``, below, in a thread too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from tui.text import plain

if TYPE_CHECKING:
    from markdown_it.token import Token

# Widget-making tokens (see ``cost``), measured with ``python -m bench tui-body`` (CPU
# loop 15 ms): a piece of 16 mounts in about 10 ms; a repaint costs about 0.3 ms per
# widget already there (Textual lays out the whole document each time), so the whole
# stays near the old budget; a list of 15 items or a table of 7 x 6 lays out in 20-30 ms.
PIECE = 16
BLOCK = 64
BUDGET = 120
# What a token costs, relative to a paragraph (measured: a list item makes a bullet
# and a paragraph, a quote its border and contents).
WEIGHTS = {"list_item_open": 3, "blockquote_open": 2}


def cost(token: Token) -> int:
    """About how many widgets ``token`` makes, in paragraphs."""
    if token.nesting == 1 or token.type in ("fence", "code_block", "hr", "html_block"):
        extra = token.content.count("\n") // 20 if token.type in ("fence", "code_block") else 0
        return WEIGHTS.get(token.type, 1) + extra  # code is highlighted line by line
    return 0


@dataclass(frozen=True)
class Prepared:
    """A body ready to show: ``text`` as shown (escapes stripped); when ``formatted``,
    markdown-it's ``tokens`` and the ``pieces`` (token ranges, whole top-level blocks)
    to mount one at a time."""

    text: str
    formatted: bool
    tokens: list[Token] = field(default_factory=list)
    pieces: list[tuple[int, int]] = field(default_factory=list)


def blocks(tokens: list[Token]) -> list[tuple[int, int, int]]:
    """The top-level blocks: (first token, end, cost). A block ends at a level-0 token
    that does not open one (its closing token, or a fence, rule, ...)."""
    found, start, spent = [], 0, 0
    for index, token in enumerate(tokens):
        spent += cost(token)
        if token.level == 0 and token.nesting != 1:
            found.append((start, index + 1, spent))
            start, spent = index + 1, 0
    if start < len(tokens):  # not expected from markdown-it: keep it whole anyway
        found.append((start, len(tokens), spent))
    return found


def pieces(found: list[tuple[int, int, int]], size: int = PIECE) -> list[tuple[int, int]]:
    """Consecutive blocks grouped while their cost stays within ``size`` (a block
    above it is a piece of its own)."""
    grouped: list[tuple[int, int]] = []
    start, spent = None, 0
    for first, _, weight in found:
        if start is not None and spent + weight > size:
            grouped.append((start, first))
            start, spent = None, 0
        if start is None:
            start = first
        spent += weight
    if start is not None:
        grouped.append((start, found[-1][1]))
    return grouped


@lru_cache(maxsize=32)
def prepare(body: str) -> Prepared:
    """What ``body`` shows as; pure, for a thread (a body is reopened often: cached)."""
    from markdown_it import MarkdownIt

    text = plain(body)
    # The parser Textual's Markdown uses by default; one per call (linkify keeps state).
    tokens = MarkdownIt("gfm-like").parse(text)
    found = blocks(tokens)
    if (sum(weight for _, _, weight in found) > BUDGET
            or any(weight > BLOCK for _, _, weight in found)):
        return Prepared(text, formatted=False)
    return Prepared(text, formatted=True, tokens=tokens, pieces=pieces(found))


def formatted(body: str) -> bool:
    """True when ``body`` is cheap enough to draw as Markdown."""
    return prepare(body).formatted


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells (words kept whole where they fit);
    pure, for a thread."""
    from textual.content import Content

    if width <= 0:
        return text.splitlines()
    lines: list[str] = []
    for line in text.expandtabs(4).splitlines():
        if line:
            lines.extend(part.plain for part in Content(line).wrap(width))
        else:
            lines.append("")
    return lines
