"""Whether a submission's body is drawn as Markdown, or as the text it is.

Textual's Markdown widget makes a widget per block and per table cell, and lays
them all out on the event loop: a 10 KB table of 200 rows x 24 columns held the
keyboard for seconds, and so do a thousand short paragraphs or list items. Bodies
that would make more than ``BUDGET`` of them are shown as plain text instead: one
widget, whatever the shape. Parsing to count them costs a few ms for 10,000
characters (markdown-it, which the widget uses anyway).
"""

from __future__ import annotations

from functools import lru_cache

BUDGET = 120  # widget-making tokens: about 50 ms of layout on a quiet machine
# What a token costs, relative to a paragraph (measured: a list item makes a bullet
# and a paragraph, a quote its border and contents).
WEIGHTS = {"list_item_open": 3, "blockquote_open": 2}


@lru_cache(maxsize=64)
def formatted(body: str) -> bool:
    """True when ``body`` is cheap enough to draw as Markdown."""
    from markdown_it import MarkdownIt

    cost = 0
    for token in MarkdownIt("gfm-like").parse(body):
        if token.nesting == 1 or token.type in ("fence", "code_block", "hr", "html_block"):
            cost += WEIGHTS.get(token.type, 1)
            if token.type in ("fence", "code_block"):  # highlighted line by line
                cost += token.content.count("\n") // 20
            if cost > BUDGET:
                return False
    return True
