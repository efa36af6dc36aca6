"""The assembled guide as Markdown and as a standalone HTML page a person can print.

Both take the :class:`~client.guide_models.Guide` the JSON format answers with, so the
three formats cannot disagree. What people typed is treated as follows:

* an entry's text is Markdown by design (contributors write it as such), so it stays
  Markdown; raw HTML in it is never passed through (escaped in the Markdown export,
  rendered as text in the page), links keep to safe schemes (markdown-it refuses
  ``javascript:`` and ``data:``), and its headings follow on from the entry's own
  (an entry is a level-3 heading: the text's first level becomes 4, the next 5, ...);
* titles, themes, names and pledge notes are plain text: escaped, never markup;
* a ``#123`` citation outside code becomes a link to that submission (in the page, to
  its line in the sources list), and every source is listed at the end;
* an anonymous author stays anonymous: the guide only carries what the API shows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import datetime

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from client.guide_models import Guide, GuideEntry, SourceRef
from server.export import API, md_text

CITATION = re.compile(r"(?<![\w&#/\\])#([1-9][0-9]{0,9})\b")
STATUS = {"proposed": "Proposed", "testing": "Being tested", "adopted": "Adopted",
          "not_adopted": "Not adopted"}
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# An ATX heading's hashes, after any block quote or list markers before them.
_ATX = re.compile(r"^((?:[ \t]*(?:>|[-*+]|\d{1,9}[.)]))*[ \t]*)(#{1,6})(?=[ \t]|$)")
ENTRY_LEVEL = 3  # the guide "#", its chapter "##", an entry "###"
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]*)[^)]*\)")
_SAFE = re.compile(r"^(?:https?:|mailto:|/|#|\.|[^:]*$)", re.IGNORECASE)


HELD = "a later edit waits for a moderator: this is the text before it"


def _who(entry: GuideEntry) -> list[str]:
    return [u.display_name for u in ([entry.lead] if entry.lead else []) + entry.contributors]


def _chapter_title(theme: str | None) -> str:
    return theme if theme else "Without a theme"


# --- Markdown ---------------------------------------------------------------------------


def _headings_follow_on(text: str) -> str:
    """``text`` with its headings moved so that they follow on from the entry's own:
    its shallowest level becomes ``ENTRY_LEVEL + 1`` and the others keep their
    distance from it (at most 6). Headings are found as a renderer finds them (not in
    code, underlined ones too, which become "#" ones); each is rewritten on its line."""
    headings = [t for t in _PARSER.parse(text) if t.type == "heading_open" and t.map]
    if not headings:
        return text
    top = min(int(t.tag[1]) for t in headings)
    lines = text.splitlines(keepends=True)
    for token in reversed(headings):  # from the end: earlier line numbers stay right
        assert token.map is not None
        start, end = token.map
        level = "#" * min(6, int(token.tag[1]) - top + ENTRY_LEVEL + 1)
        found = _ATX.match(lines[start]) if token.markup.startswith("#") else None
        if found is not None:
            lines[start] = found.group(1) + level + lines[start][found.end():]
        elif token.level == 0 and end - start >= 2:  # underlined: "Title" over "==="
            words = " ".join(line.strip() for line in lines[start:end - 1])
            lines[start:end] = [f"{level} {words}\n"]
    return "".join(lines)


def _outside_code(text: str, change: Callable[[str], str] = lambda part: part) -> str:
    """A Markdown text with its headings following on from the entry's
    (``_headings_follow_on``) and ``change`` applied to the parts that are not code."""
    out: list[str] = []
    fence: str | None = None
    prose: list[str] = []

    def flush() -> None:
        if prose:
            joined = "".join(prose)
            pos = 0
            for span in _CODE_SPAN.finditer(joined):
                out.append(change(joined[pos:span.start()]))
                out.append(span.group())
                pos = span.end()
            out.append(change(joined[pos:]))
            prose.clear()

    for line in _headings_follow_on(text).splitlines(keepends=True):
        opened = _FENCE.match(line)
        if fence is None and opened:
            flush()
            fence = opened.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(
                    fence[0]):
                fence = None
        elif line.startswith(("    ", "\t")) and (not prose or prose[-1].strip() == ""):
            flush()
            out.append(line)  # an indented code block
        else:
            prose.append(line)
    flush()
    return "".join(out)


def _guide_body(text: str, link: Callable[[str], str]) -> str:
    def cite(part: str) -> str:
        return CITATION.sub(lambda m: link(m.group(1)), part)

    def change(part: str) -> str:
        # Citations outside links (a link's text is already one); a link to an unsafe
        # scheme (javascript:, data:) loses its brackets' meaning.
        out, pos = [], 0
        for found in _LINK.finditer(part):
            out.append(cite(part[pos:found.start()]))
            out.append(found.group() if _SAFE.match(found.group(1))
                       else found.group().replace("[", "\\[", 1))
            pos = found.end()
        out.append(cite(part[pos:]))
        return _TAG_START.sub(r"\\<", "".join(out))

    return _outside_code(text.strip(), change)


def _md_source(ref: SourceRef) -> str:
    by = f" by {md_text(ref.author.display_name)}" if ref.author else ""
    return (f"- [#{ref.id}]({API}/submissions/{ref.id}): {ref.kind}, "
            f"{md_text(ref.title)}{by}")


def guide_markdown(guide: Guide, now: datetime) -> str:
    state = (f"Published {guide.published_at:%Y-%m-%d}" if guide.published
             and guide.published_at else "Draft, not yet published")
    lines = [f"# {md_text(guide.title)}", "",
             f"{state}. Exported {now:%Y-%m-%d %H:%M} UTC from challenge "
             f"{md_text(guide.challenge)}.", ""]
    for chapter in guide.chapters:
        lines += [f"## {md_text(_chapter_title(chapter.theme))}", ""]
        for entry in chapter.entries:
            lines += [f"### {md_text(entry.title)}", ""]
            lines += [f"- Status: {STATUS[entry.status]}"
                      + (f", review on {entry.review_on:%Y-%m-%d}" if entry.review_on else "")]
            if entry.lead:
                lines.append(f"- Lead: {md_text(entry.lead.display_name)}")
            if entry.contributors:
                lines.append("- Contributors: " + ", ".join(
                    md_text(u.display_name) for u in entry.contributors))
            if entry.moderation_status == "pending":
                lines.append(f"- {HELD}")
            lines += ["", _guide_body(entry.body, lambda n: f"[#{n}]({API}/submissions/{n})"),
                      ""]
            if entry.pledges:
                lines += [f"Pledged to test it ({len(entry.pledges)}):", ""]
                lines += [f"- {md_text(p.user.display_name)}"
                          + (f": {md_text(p.note)}" if p.note.strip() else "")
                          for p in entry.pledges]
                lines.append("")
            if entry.sources:
                lines += ["Sources: " + ", ".join(
                    f"[#{s}]({API}/submissions/{s})" for s in entry.sources) + ".", ""]
    if guide.sources:
        lines += ["## Sources", ""] + [_md_source(ref) for ref in guide.sources] + [""]
    return "\n".join(lines).rstrip() + "\n"


# --- HTML -------------------------------------------------------------------------------


def _citations(state: StateCore) -> None:
    """A markdown-it core rule: ``#123`` in text (not in code or a link) becomes a link
    to the source's line in the page."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += token.type == "link_open"
            in_link -= token.type == "link_close"
            if token.type != "text" or in_link or not CITATION.search(token.content):
                children.append(token)
                continue
            children.extend(_split_citations(token.content))
        block.children = children


def _split_citations(text: str) -> Iterator[Token]:
    pos = 0
    for match in CITATION.finditer(text):
        if match.start() > pos:
            yield _text(text[pos:match.start()])
        link = Token("link_open", "a", 1)
        link.attrs = {"href": f"#source-{match.group(1)}", "class": "citation"}
        yield link
        yield _text(match.group())
        yield Token("link_close", "a", -1)
        pos = match.end()
    if pos < len(text):
        yield _text(text[pos:])


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _parser() -> MarkdownIt:
    """Markdown as the page renders it (CommonMark and tables, raw HTML as text)."""
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


_PARSER = _parser()


def _renderer() -> MarkdownIt:
    md = _parser()
    md.core.ruler.push("citations", _citations)
    return md


_CSS = """
body{font:16px/1.5 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111}
h1,h2,h3{font-family:Helvetica,Arial,sans-serif;line-height:1.2}
h2{border-bottom:2px solid #005eb8;padding-bottom:.2em;margin-top:2em}
.entry{margin:1.5em 0 2.5em}.meta{color:#333;font-size:.9em}
.status{display:inline-block;padding:0 .4em;border:1px solid #005eb8;border-radius:3px}
.pledges,.sources{font-size:.9em}pre,code{font-size:.9em;white-space:pre-wrap}
table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .4em}
@media print{body{margin:0;max-width:none}h2{break-before:page}
.entry{break-inside:avoid-page}a{color:inherit;text-decoration:none}}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_entry(md: MarkdownIt, entry: GuideEntry) -> list[str]:
    meta = [f'<span class="status">{STATUS[entry.status]}</span>']
    if entry.review_on:
        meta.append(f"review on {entry.review_on:%d %B %Y}")
    if entry.lead:
        meta.append(f"lead: {_e(entry.lead.display_name)}")
    if entry.contributors:
        meta.append("with " + ", ".join(_e(u.display_name) for u in entry.contributors))
    if entry.moderation_status == "pending":
        meta.append(HELD)
    body = md.render(_demote(entry.body))
    parts = [f'<section class="entry" id="entry-{entry.id}">',
             f"<h3>{_e(entry.title)}</h3>", f'<p class="meta">{" · ".join(meta)}</p>', body]
    if entry.pledges:
        parts.append(f'<div class="pledges"><p>Pledged to test it ({len(entry.pledges)}):</p>'
                     "<ul>" + "".join(
                         f"<li>{_e(p.user.display_name)}"
                         + (f": {_e(p.note)}" if p.note.strip() else "") + "</li>"
                         for p in entry.pledges) + "</ul></div>")
    if entry.sources:
        parts.append('<p class="sources">Sources: ' + ", ".join(
            f'<a href="#source-{s}">#{s}</a>' for s in entry.sources) + ".</p>")
    parts.append("</section>")
    return parts


def _demote(text: str) -> str:
    return _outside_code(text.strip())


def guide_html(guide: Guide, now: datetime) -> str:
    md = _renderer()
    state = (f"Published {guide.published_at:%d %B %Y}" if guide.published
             and guide.published_at else "Draft, not yet published")
    parts = ["<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(guide.title)}</title>", f"<style>{_CSS}</style>", "</head>",
             "<body>", f"<h1>{_e(guide.title)}</h1>",
             f'<p class="meta">{state}. Exported {now:%Y-%m-%d %H:%M} UTC from challenge '
             f"{_e(guide.challenge)}.</p>"]
    if len(guide.chapters) > 1:
        parts.append("<nav><ol>" + "".join(
            f'<li><a href="#chapter-{i}">{_e(_chapter_title(c.theme))}</a></li>'
            for i, c in enumerate(guide.chapters, 1)) + "</ol></nav>")
    for i, chapter in enumerate(guide.chapters, 1):
        parts.append(f'<h2 id="chapter-{i}">{_e(_chapter_title(chapter.theme))}</h2>')
        for entry in chapter.entries:
            parts += _html_entry(md, entry)
    if guide.sources:
        parts.append('<h2 id="sources">Sources</h2><ul class="sources">')
        for ref in guide.sources:
            by = f" by {_e(ref.author.display_name)}" if ref.author else ""
            parts.append(f'<li id="source-{ref.id}">#{ref.id}: {_e(ref.kind)}, '
                         f"{_e(ref.title)}{by}</li>")
        parts.append("</ul>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
