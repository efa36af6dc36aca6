"""GET /challenges/{slug}/export: CSV, JSON Lines and a Markdown guide skeleton."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

import httpx
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

from server.export import md_fence, md_text
from tests.moderation_support import comment, decided, vote
from tests.support import THEMES, Person, TestApi, people, problem

HOSTILE = ["# x", "[a](javascript:x)", "[/]", "<b>bold</b>", "*star* `tick` \\ !", "line\n# two",
           "Title ##", "&amp; &copy;", "<http://x.example>", "a | b", "~~gone~~ _under_",
           "1. list", "- item", "we're (mostly) fine.", "![img](x.png)"]


async def export(api: TestApi, who: Person, fmt: str, **params: Any) -> httpx.Response:
    r = await api.http.get("/challenges/change/export", params={"format": fmt, **params},
                           headers=who.headers)
    assert r.status_code == 200, r.text
    return r


async def seeded(api: TestApi) -> tuple[Person, dict[str, int]]:
    """A challenge with ranked submissions in two themes, comments, a merge, a rejection."""
    await api.challenge(themes=[*THEMES, "[x](javascript:y)"])
    mod, author = await api.person("moderator"), await api.person()
    voters = await people(api, 4)
    ids = {
        "best": (await api.submit(author, title="Protected time", themes=[THEMES[0]],
                                  body="```\n# not a heading\n```"))["id"],
        "good": (await api.submit(author, title="Rota swaps", themes=[THEMES[0]],
                                  anonymous=True, body="Let staff swap."))["id"],
        "data": (await api.submit(author, kind="idea", title="=HYPERLINK(\"x\")",
                                  themes=[THEMES[2]], body="- a list\n+ sum"))["id"],
        "bare": (await api.submit(author, title="No theme at all"))["id"],
        "dupe": (await api.submit(author, title="Protected learning time"))["id"],
        "gone": (await api.submit(author, title="Rejected one"))["id"],
    }
    for n, hostile in enumerate(HOSTILE):
        ids[f"hostile{n}"] = (await api.submit(author, title=hostile.replace("\n", " "),
                                               body=hostile, themes=[THEMES[1]]))["id"]
    for who in voters:
        await vote(api, who, ids["best"], 1)
    for who in voters[:2]:
        await vote(api, who, ids["good"], 1)
    await vote(api, voters[3], ids["good"], -1)
    ids["c1"] = (await comment(api, voters[0], ids["best"], "We did this [evil](javascript:z)"))[
        "id"]
    ids["c2"] = (await comment(api, voters[1], ids["best"], "# Loud", parent_id=ids["c1"]))["id"]
    ids["c3"] = (await comment(api, voters[2], ids["data"], "Formula below"))["id"]
    await decided(api, mod, "merge", ("submission", ids["dupe"]), merge_into=ids["best"])
    await decided(api, mod, "reject", ("submission", ids["gone"]), reason="Not a solution")
    return mod, ids


async def test_csv_has_every_submission_and_comment(api: TestApi) -> None:
    mod, ids = await seeded(api)
    r = await export(api, mod, "csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="change.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    subs = [row for row in rows if row["type"] == "submission"]
    assert sorted(int(row["id"]) for row in subs) == sorted(
        v for k, v in ids.items() if not k.startswith("c"))
    statuses = {int(row["id"]): row["status"] for row in subs}
    assert (statuses[ids["dupe"]], statuses[ids["gone"]]) == ("merged", "rejected")
    # Comments follow their submission (the merged one's comments moved with it).
    order = [(row["type"], int(row["id"])) for row in rows]
    best = order.index(("submission", ids["best"]))
    assert order[best + 1:best + 3] == [("comment", ids["c1"]), ("comment", ids["c2"])]
    reply = next(row for row in rows if row["type"] == "comment" and
                 int(row["id"]) == ids["c2"])
    assert (reply["parent_id"], reply["body"]) == (str(ids["c1"]), "# Loud")
    # A spreadsheet would run these as formulas: they are quoted.
    data = next(row for row in subs if int(row["id"]) == ids["data"])
    assert data["title"] == "'=HYPERLINK(\"x\")" and data["body"] == "'- a list\n+ sum"
    assert data["themes"] == THEMES[2] and data["kind"] == "idea"
    good = next(row for row in subs if int(row["id"]) == ids["good"])
    assert (good["up"], good["down"], good["anonymous"]) == ("2", "1", "true")


async def test_jsonl_is_one_submission_per_line(api: TestApi) -> None:
    mod, ids = await seeded(api)
    r = await export(api, mod, "jsonl")
    lines = r.text.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len([k for k in ids if not k.startswith("c")])
    best = next(x for x in records if x["id"] == ids["best"])
    assert [c["id"] for c in best["comments"]] == [ids["c1"], ids["c2"]]
    assert best["comments"][1]["parent_id"] == ids["c1"]
    assert best["up"] == 4 and best["themes"] == [THEMES[0]]
    data = next(x for x in records if x["id"] == ids["data"])
    assert data["title"] == "=HYPERLINK(\"x\")"  # JSON keeps text as typed
    assert all(x["type"] == "submission" for x in records)


def _parsed(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(heading level, text) and every link target in the Markdown, as a renderer sees them."""
    tokens = MarkdownIt("commonmark", {"linkify": False}).parse(text)
    headings, links = [], []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            headings.append((token.tag, tokens[i + 1].content))
        for child in token.children or []:
            if child.type == "link_open":
                links.append(str(child.attrs["href"]))
    return headings, links


async def test_markdown_guide_skeleton(api: TestApi) -> None:
    mod, ids = await seeded(api)
    r = await export(api, mod, "markdown", top=2)
    assert r.headers["content-type"].startswith("text/markdown")
    headings, links = _parsed(r.text)
    h1 = [h for h in headings if h[0] == "h1"]
    h2 = [h for h in headings if h[0] == "h2"]
    assert len(h1) == 1
    assert [md for _, md in h2] == [md_text(t) for t in THEMES] + [
        md_text("[x](javascript:y)"), "Without a theme"]
    # Every link goes back to the API; none is the user's.
    assert links and all(link.startswith("/api/v1/submissions/") for link in links)
    assert f"/api/v1/submissions/{ids['best']}" in links
    assert f"/api/v1/submissions/{ids['best']}/comments" in links
    assert f"/api/v1/submissions/{ids['dupe']}" in links  # merged into the best
    assert f"/api/v1/submissions/{ids['gone']}" not in links  # rejected: not in a guide
    # Top per theme by stored score, at most ``top``.
    h3 = [text for level, text in headings if level == "h3"]
    assert h3[:2] == ["1. Protected time", "2. Rota swaps"]
    assert len(h3) == 2 + 1 + 2 + 1  # time (2), permission (2 of 6 hostile), data, no theme
    # Hostile titles render as their literal text, never as headings or links.
    rendered = MarkdownIt("commonmark").render(r.text)
    assert "javascript" not in "".join(links)
    assert "<b>" not in rendered and "<h1>x" not in rendered
    assert "not a heading" not in [text for _, text in headings]
    assert "Loud" not in [text for _, text in headings]


async def test_markdown_hostile_titles_stay_text(api: TestApi) -> None:
    mod, _ = await seeded(api)
    text = (await export(api, mod, "markdown", top=100)).text
    md = MarkdownIt("commonmark")
    tokens = md.parse(text)
    levels = [t.tag for t in tokens if t.type == "heading_open"]
    assert levels.count("h1") == 1 and levels.count("h2") == len(THEMES) + 2
    renderer = RendererHTML()
    shown = [renderer.renderInline(tokens[i + 1].children or [], md.options, {})
             for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h3"]
    for hostile in HOSTILE:
        # as markdown-it escapes text: &, <, > and double quotes
        title = html.escape(hostile.replace("\n", " "), quote=False).replace('"', "&quot;")
        assert any(h.split(". ", 1)[1] == title for h in shown), (hostile, shown)
    assert "javascript" not in "".join(
        str(c.attrs.get("href", "")) for t in tokens for c in t.children or [])


def test_markdown_escaping_helpers() -> None:
    for hostile in [*HOSTILE, "`` ``` ````", "\\# x"]:
        headings, links = _parsed(f"### {md_text(hostile)}\n")
        assert headings == [("h3", md_text(hostile))] and links == []
        rendered = MarkdownIt("commonmark").renderInline(md_text(hostile))
        assert "<a" not in rendered and "<b>" not in rendered
        tokens = MarkdownIt("commonmark").parse(md_fence(hostile) + "\n# after\n")
        assert [t.type for t in tokens] == ["fence", "heading_open", "inline", "heading_close"]
        assert tokens[0].content.rstrip("\n") == hostile.rstrip()


async def test_export_refusals(api: TestApi) -> None:
    await api.challenge()
    mod = await api.person("moderator")
    bad: list[dict[str, Any]] = [{}, {"format": "xml"}, {"format": "markdown", "top": 0}]
    for params in bad:
        problem(await api.http.get("/challenges/change/export", params=params,
                                   headers=mod.headers), 422)
    problem(await api.http.get("/challenges/nope/export", params={"format": "csv"},
                               headers=mod.headers), 404)
    r = await export(api, mod, "csv")
    assert r.text.splitlines() == [",".join(
        ["type", "id", "submission_id", "parent_id", "kind", "status", "status_reason",
         "title", "body", "themes", "author_id", "author", "anonymous", "up", "down",
         "score", "comments", "created_at", "updated_at"])]
    assert (await export(api, mod, "jsonl")).text == ""
