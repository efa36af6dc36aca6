"""Citations in a guide entry's text (``tui.citations``): found where the server's
export finds them, made links only this app makes, and never taken from a link
someone wrote."""

from __future__ import annotations

import pytest

from tui.body import prepare
from tui.citations import CITATION, SCHEME, cited, href, link_tokens, prepare_cited, split, target


def links(body: str) -> list[tuple[str, str]]:
    """(href, text) of every link in ``body`` as the entry screen draws it."""
    found = []
    for block in prepare_cited(body).tokens:
        children = block.children or []
        for i, child in enumerate(children):
            if child.type == "link_open":
                found.append((str(child.attrs["href"]), children[i + 1].content))
    return found


@pytest.mark.parametrize("text, ids", [
    ("See #12 and #3.", [12, 3]),
    ("#7 at the start of a line, #7 again", [7]),
    ("(#73), #84: and #5;", [73, 84, 5]),
    ("a#8 is a word, &#9; an entity, /#10 an address", []),
    ("#0 is nobody; #012 neither", []),
    ("#99999999999 is too long; #2147483648 too large; #2147483647 the last", [2147483647]),
    ("`#4` is code", []),
    ("```\n#5\n```\n\n    #6 indented code\n", []),
    ("[#7](https://example.org/) is a link already; [see #8](x) too", []),
    ("https://example.org/#9 becomes a link", []),
    ("- item #10\n\n| a |\n|---|\n| #11 |\n\n> quoted #12\n\n# Heading #13", [10, 11, 12, 13]),
])
def test_cited(text: str, ids: list[int]) -> None:
    assert cited(text) == ids


def test_cited_ignores_escapes_and_markup() -> None:
    assert cited("\x1b[31m#5\x1b[0m [/] [@click=app.quit]#6[/]") == [5, 6]


def test_split_keeps_every_character() -> None:
    text = "a #1 b #22c #3"
    pieces = split(text)
    assert "".join(p for p, _ in pieces) == text
    assert [n for _, n in pieces if n] == [1, 3]  # "#22c" is no citation


def test_the_pattern_is_the_servers() -> None:
    from server.guide_export import CITATION as SERVERS

    assert CITATION.pattern == SERVERS.pattern


def test_citations_become_links_of_this_apps_making() -> None:
    assert links("Evidence: #12, **#13**, and [#14](https://evil.example/).") == [
        (href(12), "#12"), (href(13), "#13"), ("https://evil.example/", "#14")]
    assert target(href(12)) == 12
    # Links written in the text are never citations, whatever they look like.
    assert target("https://evil.example/") is None
    assert target(f"{SCHEME.split('-')[0]}:12") is None
    assert target(f"{SCHEME}12x") is None and target(f"{SCHEME}0") is None
    assert target(f"{SCHEME}{2**31}") is None


def test_the_cached_body_is_left_as_it_was() -> None:
    body = "Cites #21 twice: #21."
    before = [t.children for t in prepare(body).tokens]
    tokens, ids = link_tokens(prepare(body).tokens)
    assert ids == [21]
    assert [t.children for t in prepare(body).tokens] == before
    assert sum(c.type == "link_open" for t in tokens for c in t.children or []) == 2


def test_a_body_too_long_to_format_is_shown_as_written() -> None:
    body = "\n\n".join(f"Paragraph #{n}" for n in range(1, 400))
    shown = prepare_cited(body)
    assert not shown.formatted and shown.text == body
    assert cited(body)[:3] == [1, 2, 3]  # the sources list has them all
