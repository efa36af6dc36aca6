"""Citations in a guide entry's text: ``#123`` names submission 123 (DESIGN.md, "The
develop stage"). Plain logic, no widgets: pure functions, safe to run in a thread.

A citation counts where the server's export counts one (``server.guide_export``'s
pattern): in text, not in code, not inside a link (whose text is a link already) and
not as part of a word, an address (``/#12``) or an entity (``&#12;``).

The entry screen draws each citation as a link of its own making. Its address has a
scheme no writer can know (``SCHEME``, new each run), so a link typed into the text is
never taken for a citation: it is shown, and never followed.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from tui.body import Prepared, prepare
from tui.text import plain

if TYPE_CHECKING:
    from markdown_it.token import Token
    from textual.content import Content

    from tui.markdown_lines import Block

CITATION = re.compile(r"(?<![\w&#/\\])#([1-9][0-9]{0,9})\b")
MAX_ID = 2**31 - 1  # the largest id the API has: a longer number is no submission
SCHEME = f"cite-{secrets.token_hex(6)}:"


def href(submission_id: int) -> str:
    """The address of a citation link this app made."""
    return f"{SCHEME}{submission_id}"


def target(address: str) -> int | None:
    """The submission a citation link made here points at; None for any other link."""
    if not address.startswith(SCHEME):
        return None
    number = address.removeprefix(SCHEME)
    return int(number) if number.isdigit() and 0 < int(number) <= MAX_ID else None


def split(text: str) -> list[tuple[str, int | None]]:
    """``text`` in pieces: (a citation, its id) or (text between them, None)."""
    pieces: list[tuple[str, int | None]] = []
    pos = 0
    for match in CITATION.finditer(text):
        number = int(match.group(1))
        if number > MAX_ID:
            continue
        if match.start() > pos:
            pieces.append((text[pos:match.start()], None))
        pieces.append((match.group(), number))
        pos = match.end()
    if pos < len(text):
        pieces.append((text[pos:], None))
    return pieces


def _text(content: str) -> Token:
    from markdown_it.token import Token

    token = Token("text", "", 0)
    token.content = content
    return token


def _link(submission_id: int, shown: str) -> list[Token]:
    from markdown_it.token import Token

    opened = Token("link_open", "a", 1, attrs={"href": href(submission_id)})
    return [opened, _text(shown), Token("link_close", "a", -1)]


def link_tokens(tokens: list[Token]) -> tuple[list[Token], list[int]]:
    """A copy of markdown-it's ``tokens`` with each citation a link (``href``), and the
    ids cited, each once, in the order they first appear. ``tokens`` is left as it was
    (``tui.body.prepare`` caches it)."""
    cited: dict[int, None] = {}
    out: list[Token] = []
    for block in tokens:
        if block.type != "inline" or not block.children:
            out.append(block)
            continue
        children: list[Token] = []
        in_link = 0
        for child in block.children:
            in_link += (child.type == "link_open") - (child.type == "link_close")
            if child.type != "text" or in_link or not CITATION.search(child.content):
                children.append(child)
                continue
            for piece, number in split(child.content):
                if number is None:
                    children.append(_text(piece))
                else:
                    cited.setdefault(number)
                    children.extend(_link(number, piece))
        out.append(block.copy(children=children))
    return out, list(cited)


def parse(text: str) -> list[Token]:
    """markdown-it's tokens, as ``tui.body.prepare`` parses a body."""
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like").parse(text)


def cited(body: str) -> list[int]:
    """The submissions ``body`` cites, each once, in order (for a thread: it parses)."""
    return link_tokens(parse(plain(body)))[1]


@lru_cache(maxsize=32)
def prepare_cited(body: str) -> Prepared:
    """``tui.body.prepare`` with the citations made links (a body shown as written, too
    long to format, has none: the entry's sources list them)."""
    prepared = prepare(body)
    if not prepared.formatted:
        return prepared
    # Only the inline tokens change: the top-level ranges ("pieces") stay the same.
    return replace(prepared, tokens=link_tokens(prepared.tokens)[0])


@dataclass(frozen=True)
class EntryText:
    """An entry's text ready to draw (``tui.markdown_lines``): its blocks with the
    citations made links, the ids it cites, and its lines at each width drawn so far."""

    blocks: list[Block]
    cited: list[int]
    laid_out: dict[int, list[Content]] = field(default_factory=dict, compare=False)

    def lines(self, width: int) -> list[Content]:
        found = self.laid_out.get(width)
        if found is None:
            from tui.markdown_lines import lay_out

            found = self.laid_out[width] = lay_out(self.blocks, width)
        return found


KEPT = 32  # texts kept ready (a guide's entries are reopened often)
_kept: OrderedDict[str, EntryText] = OrderedDict()
_lock = threading.Lock()


def known_text(body: str) -> EntryText | None:
    """``body`` ready to draw, if it has been made ready already (no parsing here)."""
    with _lock:
        found = _kept.get(body)
        if found is not None:
            _kept.move_to_end(body)
        return found


def entry_text(body: str) -> EntryText:
    """``body`` ready to draw; for a thread (it parses: ~20 ms for 10,000 characters),
    kept for the next time."""
    found = known_text(body)
    if found is not None:
        return found
    from tui.markdown_lines import blocks

    tokens, ids = link_tokens(parse(plain(body)))
    made = EntryText(blocks(tokens), ids)
    with _lock:
        _kept[body] = made
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return made
