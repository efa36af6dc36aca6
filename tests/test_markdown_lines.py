"""A guide entry's text as lines (``tui.markdown_lines``, ``tui.citations.entry_text``)
and the history kept for a session (``tui.entry_versions``): no terminal needed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from markdown_it import MarkdownIt

from client.guide_models import EntryVersion, GuideEntry
from client.models import Page
from tests.test_tui import HOSTILE
from tui import citations
from tui.entry_versions import VersionCache
from tui.markdown_lines import blocks, lay_out

TEXT = """## How to start

A paragraph that is long enough to be wrapped at forty cells, with **bold**.

- one
- two
  - nested

1. first
2. second

> quoted

```
code  kept
```

---

| a | bb |
|---|----|
| 1 | 2222 |
"""


def plain_lines(text: str, width: int = 40) -> list[str]:
    return [line.plain.rstrip() for line in lay_out(blocks(MarkdownIt("gfm-like").parse(text)),
                                                    width)]


def test_blocks_are_laid_out_with_bullets_numbers_quotes_code_rules_and_tables() -> None:
    assert plain_lines(TEXT) == [
        "How to start", "",
        "A paragraph that is long enough to be", "wrapped at forty cells, with bold.", "",
        "• one", "• two", "  • nested", "",
        "1. first", "2. second", "",
        "▌ quoted", "",
        "│ code  kept", "",
        "─" * 40, "",
        "a │ bb", "──┼─────", "1 │ 2222"]
    assert all(len(line) <= 40 for line in plain_lines(TEXT))


def test_citations_are_links_and_other_links_are_only_links() -> None:
    text = citations.entry_text("See #12 and [a site](https://evil.example/).")
    assert text.cited == [12]
    (line,) = text.lines(80)
    clicks = {line.plain[span.start:span.end]: span.style for span in line.spans
              if "link(" in str(span.style)}
    assert set(clicks) == {"#12", "a site"}
    assert citations.href(12) in str(clicks["#12"])
    assert citations.known_text("See #12 and [a site](https://evil.example/).") is text


def test_hostile_text_is_text() -> None:
    lines = citations.entry_text(HOSTILE).lines(200)
    shown = "\n".join(line.plain for line in lines)
    assert "[/] [@click=app.quit]x[/]" in shown  # as typed: never markup
    assert "\x1b" not in shown
    assert not any("quit" in str(span.style) for line in lines for span in line.spans)


def entry(version: int) -> GuideEntry:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return GuideEntry(id=7, challenge="c", title="t", status="proposed", body="",
                      version=version, created_at=now, updated_at=now)


class Client:
    def __init__(self) -> None:
        self.asked: list[int | str] = []

    async def list_guide_versions(self, entry_id: int, *, limit: int) -> Page[EntryVersion]:
        self.asked.append("page")
        return Page[EntryVersion](items=[], next_cursor=None)

    async def get_guide_version(self, entry_id: int, version: int) -> EntryVersion:
        self.asked.append(version)
        await asyncio.sleep(0)
        return EntryVersion.model_validate({
            "version": version, "title": "t", "status": "proposed", "body": f"text {version}",
            "created_at": "2026-01-01T00:00:00Z"})


async def test_the_history_is_fetched_once_ahead_and_kept_by_version() -> None:
    kept, client = VersionCache(), Client()
    assert kept.first_page(entry(3)) is None and kept.text(7, 3) is None
    await kept.prefetch(client, entry(3))  # type: ignore[arg-type]
    assert client.asked == ["page", 3, 2]
    assert kept.first_page(entry(3)) is not None and kept.first_page(entry(4)) is None
    assert (kept.text(7, 3), kept.text(7, 2), kept.text(7, 0)) == ("text 3", "text 2", "")
    # Asked for twice at once: one request.
    await asyncio.gather(kept.fetch_text(client, 7, 1),  # type: ignore[arg-type]
                         kept.fetch_text(client, 7, 1))  # type: ignore[arg-type]
    await kept.prefetch(client, entry(3))  # type: ignore[arg-type]
    assert client.asked == ["page", 3, 2, 1]
