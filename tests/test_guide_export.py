"""The guide's Markdown and HTML exports: the content arrives, hostile text stays text."""

from __future__ import annotations

import html.parser
from datetime import UTC, date, datetime

from markdown_it import MarkdownIt

from client.guide_models import Guide, GuideChapter, GuideEntry, Pledge, SourceRef
from client.models import UserPublic
from server.guide_export import guide_html, guide_markdown

NOW = datetime(2027, 4, 1, 12, 0, tzinfo=UTC)
HOSTILE = '[/]<script>alert(1)</script>[@click=app.quit]x[/]\x1b[31m "q" & *b*'
BODY = """## What it is

Protected time, as in #12 and #13 (not `#14`, not [#15](https://x.example)).

<img src=x onerror=alert(1)>

```
# not a heading <b>code</b> #16
```

[bad](javascript:alert(1))

## Evidence
"""


def _entry(entry_id: int, title: str, body: str = BODY, **extra: object) -> GuideEntry:
    fields: dict[str, object] = dict(
        id=entry_id, challenge="c", title=title, theme="Time", status="testing",
        review_on=date(2027, 6, 1), lead=UserPublic(id=1, display_name="Ann Lead"),
        contributors=[UserPublic(id=2, display_name="Bo")], body=body, version=3,
        sources=[12, 13], pledges=[Pledge(user=UserPublic(id=3, display_name="Cy"),
                                          note="Ward 4 will try this", created_at=NOW)],
        created_at=NOW, updated_at=NOW)
    fields.update(extra)
    return GuideEntry.model_validate(fields)


def _guide(*entries: GuideEntry, published: bool = True) -> Guide:
    return Guide(challenge="c", title="Making time", published=published,
                 published_at=NOW if published else None,
                 chapters=[GuideChapter(theme="Time", entries=list(entries))],
                 sources=[SourceRef(id=12, kind="story", title="Rota swap",
                                    author=UserPublic(id=5, display_name="Di")),
                          SourceRef(id=13, kind="idea", title="Anonymous idea")])


class _Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collect:
    parser = _Collect()
    parser.feed(page)
    return parser


def test_the_page_carries_every_part_of_an_entry() -> None:
    page = guide_html(_guide(_entry(1, "Protected learning time")), NOW)
    text = "".join(_parse(page).text)
    for expected in ("Making time", "Protected learning time", "Being tested",
                     "review on 01 June 2027", "lead: Ann Lead", "with Bo",
                     "Cy: Ward 4 will try this", "Rota swap by Di", "Anonymous idea"):
        assert expected in text
    assert page.startswith("<!doctype html>") and "@media print" in page


def test_hostile_text_is_text_in_the_page() -> None:
    entry = _entry(1, HOSTILE, body=HOSTILE, lead=UserPublic(id=1, display_name=HOSTILE),
                   pledges=[Pledge(user=UserPublic(id=3, display_name=HOSTILE), note=HOSTILE,
                                   created_at=NOW)])
    page = guide_html(_guide(entry), NOW)
    parsed = _parse(page)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert "<script>alert(1)</script>" in "".join(parsed.text)  # shown, as typed


def test_entry_markdown_renders_but_raw_html_and_unsafe_links_do_not() -> None:
    parsed = _parse(guide_html(_guide(_entry(1, "T")), NOW))
    tags = [tag for tag, _ in parsed.tags]
    assert "img" not in tags
    hrefs = [attrs.get("href") or "" for tag, attrs in parsed.tags if tag == "a"]
    assert not any(h.startswith("javascript:") for h in hrefs)
    assert "h4" in tags and "h5" not in tags  # "## What it is" follows the entry's h3
    assert "<img src=x onerror=alert(1)>" in "".join(parsed.text)


def test_citations_link_to_sources_but_not_in_code_or_links() -> None:
    parsed = _parse(guide_html(_guide(_entry(1, "T")), NOW))
    hrefs = [attrs.get("href") for tag, attrs in parsed.tags if tag == "a"]
    assert "#source-12" in hrefs and "#source-13" in hrefs
    assert "#source-14" not in hrefs and "#source-16" not in hrefs
    assert "#source-15" not in hrefs and "https://x.example" in hrefs
    ids = {attrs.get("id") for _, attrs in parsed.tags}
    assert {"source-12", "source-13", "entry-1"} <= ids


def test_markdown_export_keeps_entry_markdown_and_escapes_the_rest() -> None:
    entry = _entry(1, HOSTILE, lead=UserPublic(id=1, display_name="*Ann*"))
    out = guide_markdown(_guide(entry, published=False), NOW)
    assert "Draft, not yet published" in out
    rendered = MarkdownIt("commonmark", {"html": True}).render(out)
    # Titles and names are escaped; the entry's own Markdown is Markdown.
    assert "<em>Ann</em>" not in rendered and "*Ann*" in rendered
    assert "<script>" not in rendered and "<img" not in rendered
    assert "\n#### What it is\n" in out
    assert "[#12](/api/v1/submissions/12)" in out
    assert "`#14`" in out and "# not a heading <b>code</b> #16" in out
    assert "[#15](https://x.example)" in out and "[[" not in out
    assert "\\[bad](javascript:alert(1))" in out
    assert "- [#13](/api/v1/submissions/13): idea, Anonymous idea\n" in out


def test_an_empty_guide_exports() -> None:
    guide = Guide(challenge="c", title="Empty", published=False, chapters=[])
    assert "Empty" in guide_markdown(guide, NOW)
    assert "<h1>Empty</h1>" in guide_html(guide, NOW)


def test_an_entrys_headings_follow_on_from_its_own_in_both_exports() -> None:
    """An entry is an h3: its text's first level becomes h4 and the others keep their
    distance (an underlined heading too), whatever level the text starts at; code is
    left alone."""
    for body, levels in [
            ("## What it is\n\nWords.\n\n### Detail\n\n## Evidence\n",
             ["h4", "h5", "h4"]),
            ("# Top\n\nUnder\n-----\n\n```\n## not a heading\n```\n\n#### Deep\n",
             ["h4", "h5", "h6"]),
            ("#### Only deep ones\n\n###### Deeper\n", ["h4", "h6"])]:
        guide = _guide(_entry(1, "Entry", body=body))
        tokens = MarkdownIt("commonmark").parse(guide_markdown(guide, NOW))
        in_markdown = [t.tag for t in tokens if t.type == "heading_open"]
        assert in_markdown == ["h1", "h2", "h3", *levels, "h2"], body  # last: Sources
        page = _parse(guide_html(guide, NOW))
        in_page = [tag for tag, _ in page.tags if tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
        assert in_page == ["h1", "h2", "h3", *levels, "h2"], body
        assert "## not a heading" in guide_markdown(guide, NOW) or "not a heading" not in body
