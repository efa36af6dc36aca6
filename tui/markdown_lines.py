"""A Markdown text as terminal lines, for a widget that draws only the lines in view
(``tui.widgets.entry_detail.EntryBody``). Plain logic, no widgets: ``blocks`` turns
markdown-it's tokens into blocks of styled text (safe in a thread); ``lay_out`` wraps
them to a width (a 10,000-character text in about 2 ms).

Textual's Markdown widget makes a widget per block and lays them all out on the event
loop (a guide entry of 10,000 characters: 40-80 ms before its first frame). Here the
whole text is one widget, and only the lines on screen are drawn.

Every piece of text is ``Content`` made from the text itself, never markup; a link is
underlined and, clicked, calls the widget's ``link`` action with its address (the
widget decides what a link does: nothing is opened from here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.content import Content, Span
from textual.style import Style

if TYPE_CHECKING:
    from markdown_it.token import Token

HEADINGS = {"h1": "bold underline", "h2": "bold", "h3": "bold italic"}
HEADING = "italic"  # h4 to h6
QUOTE = Content.styled("▌ ", "dim")
CODE = Content.styled("│ ", "dim")
SPACES = re.compile(r"\s+")
INLINE = {"em_open": "italic", "strong_open": "bold", "s_open": "strike"}


@dataclass(frozen=True)
class Block:
    """Text to wrap (``\\n`` starts a new line), after ``first`` on its first line and
    ``rest`` on the others; a ``rule`` is a line across, and ``gap`` a blank line
    (``between`` the quote bars around it) before it."""

    text: Content
    first: Content = field(default_factory=lambda: Content(""))
    rest: Content = field(default_factory=lambda: Content(""))
    gap: bool = True
    rule: bool = False
    between: Content = field(default_factory=lambda: Content(""))  # the gap's prefix


def link_style(href: str) -> Style:
    """A link: underlined, and a click calls the widget's ``link`` action."""
    return Style(underline=True) + Style.from_meta({"@click": f"link({href!r})"})


def inline(token: Token) -> Content:
    """An inline token's children as styled text (as Textual's Markdown shows them)."""
    parts: list[str] = []
    spans: list[Span] = []
    opened: list[tuple[str | Style, int]] = []
    at = 0

    def add(text: str) -> None:
        nonlocal at
        parts.append(text)
        at += len(text)

    for child in token.children or []:
        kind = child.type
        if kind == "text":
            add(SPACES.sub(" ", child.content))
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind in ("code_inline", "html_inline"):
            start = at
            add(child.content)
            if kind == "code_inline":
                spans.append(Span(start, at, "bold"))
        elif kind in INLINE:
            opened.append((INLINE[kind], at))
        elif kind == "link_open":
            opened.append((link_style(str(child.attrs.get("href", ""))), at))
        elif kind == "image":
            start = at
            add(f"[image: {child.content or child.attrs.get('alt', '')}]")
            spans.append(Span(start, at, link_style(str(child.attrs.get("src", "")))))
        elif kind.endswith("_close") and opened:
            style, start = opened.pop()
            spans.append(Span(start, at, style))
    return Content("".join(parts), spans=spans)


class _Level:
    """An open list item (its bullet or number) or quote, while its blocks are read."""

    def __init__(self, marker: Content, quote: bool = False) -> None:
        self.quote = quote
        self.first = marker
        self.rest = marker if quote else Content(" " * marker.cell_length)
        self.started = False


def _table(tokens: list[Token], start: int) -> tuple[Content, int]:
    """The table opening at ``start`` as lines (cells padded to their column, the
    header bold), and the index after it."""
    rows: list[list[Content]] = []
    header_rows = 0
    index = start + 1
    while tokens[index].type != "table_close":
        kind = tokens[index].type
        if kind == "tr_open":
            rows.append([])
        elif kind == "inline" and rows:
            rows[-1].append(inline(tokens[index]))
        elif kind == "thead_close":
            header_rows = len(rows)
        index += 1
    columns = max((len(row) for row in rows), default=0)
    widths = [max((cell_len(row[c].plain) for row in rows if c < len(row)), default=0)
              for c in range(columns)]
    bar = Content.styled(" │ ", "dim")
    lines: list[Content] = []
    for number, row in enumerate(rows):
        cells = [(row[c] if c < len(row) else Content("")).pad_right(
            widths[c] - cell_len(row[c].plain if c < len(row) else "")) for c in range(columns)]
        line = bar.join(cells)
        lines.append(line.stylize("bold") if number < header_rows else line)
        if number + 1 == header_rows:
            lines.append(Content.styled("─┼─".join("─" * w for w in widths), "dim"))
    return Content("\n").join(lines), index + 1


def blocks(tokens: list[Token]) -> list[Block]:
    """markdown-it's block tokens as blocks of text, with their bullets, numbers and
    quote bars."""
    found: list[Block] = []
    stack: list[_Level] = []  # open list items and quotes, outermost first
    numbers: list[int | None] = []  # each open list's next number (None: bullets)
    heading = ""
    index = 0
    listed = False  # a list began since the last block: a gap before its first item

    def add(text: Content, *, gap: bool = True, rule: bool = False,
            code: bool = False) -> None:
        nonlocal listed
        first = Content("").join([lv.rest if lv.started else lv.first for lv in stack])
        rest = Content("").join([lv.rest for lv in stack])
        started = [lv.started for lv in stack]
        between = Content("").join(
            [lv.rest for lv in stack[:started.index(False) if False in started else None]])
        for level in stack:
            level.started = True
        if code:
            first, rest = first + CODE, rest + CODE
        found.append(Block(text, first, rest, gap=(gap or listed) and bool(found),
                           rule=rule, between=between))
        listed = False

    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            numbers.append(None if kind == "bullet_list_open"
                           else int(token.attrs.get("start", 1) or 1))
            listed = listed or all(lv.quote for lv in stack)  # not a list in a list
        elif kind in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif kind == "list_item_open":
            number = numbers[-1] if numbers else None
            stack.append(_Level(Content.styled("• " if number is None else f"{number}. ",
                                               "bold")))
            if number is not None:
                numbers[-1] = number + 1
        elif kind == "blockquote_open":
            stack.append(_Level(QUOTE, quote=True))
        elif kind in ("list_item_close", "blockquote_close") and stack:
            stack.pop()
        elif kind == "heading_open":
            heading = token.tag
        elif kind == "inline":
            text = inline(token)
            if heading:
                text = text.stylize(HEADINGS.get(heading, HEADING))
            # A tight list's paragraphs are hidden: its items follow one another.
            add(text, gap=not (token.level > 0 and _hidden(tokens, index)))
        elif kind == "heading_close":
            heading = ""
        elif kind in ("fence", "code_block"):
            add(Content(token.content.rstrip("\n").expandtabs(4)), code=True)
        elif kind == "html_block":
            add(Content(token.content.rstrip("\n")))
        elif kind == "hr":
            add(Content(""), rule=True)
        elif kind == "table_open":
            text, index = _table(tokens, index)
            add(text)
            continue
        index += 1
    return found


def _hidden(tokens: list[Token], index: int) -> bool:
    """Whether the paragraph around inline token ``index`` is a tight list's."""
    return index > 0 and tokens[index - 1].type == "paragraph_open" and tokens[index - 1].hidden


def lay_out(found: list[Block], width: int) -> list[Content]:
    """The blocks as lines at most ``width`` cells wide (words kept whole where they
    fit)."""
    lines: list[Content] = []
    for block in found:
        if block.gap:
            lines.append(block.between)
        if block.rule:
            room = max(width - block.first.cell_length, 1)
            lines.append(block.first + Content.styled("─" * room, "dim"))
            continue
        room = max(width - block.first.cell_length, 8)
        pieces = block.text.wrap(room) if block.text.plain else [Content("")]
        lines.append(block.first + pieces[0])
        lines.extend(block.rest + piece for piece in pieces[1:])
    return lines
