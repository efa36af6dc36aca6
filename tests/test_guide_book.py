"""The assembled guide, its order and its publication, on both databases: chapters by
theme, who sees it before and after publication, and both changes logged and undone."""

from __future__ import annotations

from typing import Any

from tests.guide_support import World, world
from tests.support import TestApi, problem


async def _three(w: World, extra: int = 0) -> list[dict[str, Any]]:
    """Three entries (themed, themed, none and anonymous), and ``extra`` submissions not
    shortlisted; the clock in the develop phase."""
    subs = [await w.submit(title="Time A", themes=["Time and capacity"]),
            await w.submit(title="Data B", themes=["Data and evidence"]),
            await w.submit(title="Plain C", anonymous=True)]
    spare = [await w.submit(title=f"Spare {i}") for i in range(extra)]
    w.develop()
    return [await w.shortlist(s["id"]) for s in subs] + spare


async def _guide(w: World, who: Any = None) -> dict[str, Any]:
    r = await w.http.get("/challenges/change/guide",
                         headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_chapters_follow_the_themes_and_list_every_source(api: TestApi) -> None:
    w = await world(api)
    a, b, c, spare = await _three(w, extra=1)
    r = await w.patch(b["id"], w.moderator, 1, theme=None,
                      body=f"Builds on #{a['sources'][0]} and #{c['sources'][0]}.")
    assert r.status_code == 200, r.text
    hidden = await w.shortlist(spare["id"])
    r = await w.http.post("/moderation/decisions", headers=w.moderator.headers, json={
        "action": "hide", "targets": [{"type": "entry", "id": hidden["id"]}]})
    assert r.status_code == 201, r.text
    guide = await _guide(w, w.moderator)
    assert (guide["challenge"], guide["published"], guide["published_at"]) == (
        "change", False, None)
    assert [(ch["theme"], [e["id"] for e in ch["entries"]]) for ch in guide["chapters"]] == [
        ("Time and capacity", [a["id"]]), (None, [b["id"], c["id"]])]
    assert [s["id"] for s in guide["sources"]] == [a["sources"][0], b["sources"][0],
                                                    c["sources"][0]]
    assert guide["sources"][2].get("author") is None  # posted anonymously


async def _challenge_id(w: World) -> int:
    from sqlalchemy import select

    from server.tables import ChallengeRow

    async with w.api.db.read() as session:
        return int((await session.execute(select(ChallengeRow.id))).scalar_one())


async def test_who_sees_the_guide_before_and_after_publication(api: TestApi) -> None:
    w = await world(api)
    a, _, _ = await _three(w)
    await w.add_contributor(a["id"], w.contributor)
    problem(await w.http.get("/challenges/change/guide"), 401)
    problem(await w.http.get("/challenges/change/guide", headers=w.participant.headers), 403)
    for who in (w.contributor, w.author, w.moderator, w.admin):  # author: a lead
        await _guide(w, who)
    path = "/challenges/change/guide/publication"
    problem(await w.http.put(path, json={"published": True}), 401)
    for who in (w.participant, w.moderator):
        problem(await w.http.put(path, json={"published": True}, headers=who.headers), 403)
    problem(await w.http.put(path, json={"published": "yes"}, headers=w.admin.headers), 422)
    r = await w.http.put(path, json={"published": True}, headers=w.admin.headers)
    assert r.status_code == 200 and r.json()["published"] is True, r.text
    guide = await _guide(w)
    assert guide["published"] and guide["published_at"] is not None
    assert (await w.http.get(f"/guide/entries/{a['id']}")).status_code == 200
    r = await w.http.put(path, json={"published": False}, headers=w.admin.headers)
    assert r.json()["published"] is False
    problem(await w.http.get("/challenges/change/guide"), 401)
    problem(await w.http.get("/challenges/change/guide", params={"format": "pdf"},
                             headers=w.admin.headers), 422)


async def test_publication_is_logged_and_undone(api: TestApi) -> None:
    w = await world(api)
    await _three(w)
    path = "/challenges/change/guide/publication"
    r = await w.http.put(path, json={"published": True}, headers=w.admin.headers)
    assert r.status_code == 200
    r = await w.http.put(path, json={"published": True}, headers=w.admin.headers)
    assert r.status_code == 200  # no change: nothing logged
    r = await w.http.get("/moderation/log", headers=w.admin.headers,
                         params={"action": "guide_publish"})
    (action,) = r.json()["items"]
    assert action["targets"] == [{"type": "challenge", "id": await _challenge_id(w)}]
    assert action["challenges"] == ["change"]
    r = await w.http.post(f"/moderation/actions/{action['id']}/undo", headers=w.admin.headers)
    assert r.status_code == 200, r.text
    assert (await _guide(w, w.admin))["published"] is False
    problem(await w.http.get("/challenges/change/guide"), 401)


async def test_facilitators_order_the_guide_and_undo_it(api: TestApi) -> None:
    w = await world(api)
    a, b, c = await _three(w)
    path = "/challenges/change/guide/order"
    wanted = [c["id"], a["id"], b["id"]]
    for who in (w.participant, w.author):
        problem(await w.http.put(path, json={"entries": wanted}, headers=who.headers), 403)
    problem(await w.http.put(path, json={"entries": wanted}), 401)
    for bad, field in (([c["id"], a["id"]], "entries"),
                       ([c["id"], a["id"], b["id"], a["id"]], "entries.3"),
                       ([c["id"], a["id"], 999], "entries.2")):
        problem(await w.http.put(path, json={"entries": bad}, headers=w.moderator.headers),
                422, field=field)
    r = await w.http.put(path, json={"entries": wanted}, headers=w.moderator.headers)
    assert [e["id"] for e in r.json()["items"]] == wanted, r.text
    r = await w.http.get("/challenges/change/guide/entries", headers=w.participant.headers)
    assert [e["id"] for e in r.json()["items"]] == wanted
    r = await w.http.get("/moderation/log", headers=w.moderator.headers,
                         params={"action": "guide_order"})
    (action,) = r.json()["items"]
    assert {t["id"] for t in action["targets"]} == set(wanted)
    r = await w.http.post(f"/moderation/actions/{action['id']}/undo",
                          headers=w.moderator.headers)
    assert r.status_code == 200, r.text
    r = await w.http.get("/challenges/change/guide/entries", headers=w.participant.headers)
    assert [e["id"] for e in r.json()["items"]] == [a["id"], b["id"], c["id"]]
    # A reorder undone only while the order is as it left it.
    r = await w.http.put(path, json={"entries": wanted}, headers=w.moderator.headers)
    first = (await w.http.get("/moderation/log", headers=w.moderator.headers,
                              params={"action": "guide_order"})).json()["items"][0]["id"]
    await w.http.put(path, json={"entries": [b["id"], c["id"], a["id"]]},
                     headers=w.admin.headers)
    problem(await w.http.post(f"/moderation/actions/{first}/undo",
                              headers=w.moderator.headers), 409, "/problems/undo-refused")


async def test_the_guide_exports_as_markdown_and_a_page_with_hostile_text_kept_as_text(
        api: TestApi) -> None:
    hostile = '<script>alert(1)</script>[@click=app.quit]x[/] *b*'
    w = await world(api)
    a, _, c = await _three(w)
    r = await w.patch(a["id"], w.moderator, a["version"], title=hostile,
                      body=f"## How to start\n\nAs #{c['sources'][0]} did. {hostile}")
    assert r.status_code == 200, r.text
    for fmt, media in (("markdown", "text/markdown"), ("html", "text/html")):
        problem(await w.http.get("/challenges/change/guide", params={"format": fmt}), 401)
        problem(await w.http.get("/challenges/change/guide", params={"format": fmt},
                                 headers=w.participant.headers), 403)
        r = await w.http.get("/challenges/change/guide", params={"format": fmt},
                             headers=w.moderator.headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), r.text
        assert "Plain C" in r.text
    page = (await w.http.get("/challenges/change/guide", params={"format": "html"},
                             headers=w.moderator.headers)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert f'<a href="#source-{c["sources"][0]}" class="citation">' in page
    assert f'<li id="source-{c["sources"][0]}">' in page
    assert "Plain C</li>" in page  # posted anonymously: no " by ..." after the title
    markdown = (await w.http.get("/challenges/change/guide", params={"format": "markdown"},
                                 headers=w.moderator.headers)).text
    # Escaped, so no Markdown reader takes it for HTML: in the title and in the text.
    assert "### \\<script\\>" in markdown and "did. \\<script>" in markdown
    assert "<script>" not in markdown.replace("\\<script>", "")
    assert "\n#### How to start\n" in markdown  # the template's "##" follows the "###"
    assert "Plain C\n" in markdown


async def test_an_entry_whose_edit_is_held_stays_in_the_guide_as_it_was(api: TestApi) -> None:
    """An edit held for suspected personal data does not take the entry out of the guide
    or its exports: they show the text before it, marked, and never the held text."""
    w = await world(api)
    a, b, _ = await _three(w)
    r = await w.patch(a["id"], w.author, a["version"], body="Agreed before the hold.")
    assert r.status_code == 200, r.text
    r = await w.patch(a["id"], w.author, a["version"] + 1, title="Call 07700 900123",
                      body="Call Mrs Smith on 07700 900123.")
    assert r.json()["moderation_status"] == "pending"
    # Held at its first edit: the guide shows it as it was shortlisted.
    r = await w.patch(b["id"], w.moderator, b["version"], title="Ring 07700 900124",
                      body="Ring 07700 900124.")
    assert r.json()["moderation_status"] == "pending"
    await w.http.put("/challenges/change/guide/publication", json={"published": True},
                     headers=w.admin.headers)
    guide = await _guide(w, w.participant)
    shown = {e["id"]: e for c in guide["chapters"] for e in c["entries"]}
    assert shown[a["id"]]["body"] == "Agreed before the hold."
    assert shown[a["id"]]["title"] == "Time A"
    assert shown[a["id"]]["moderation_status"] == "pending"
    assert shown[a["id"]]["moderation_reason"] is None
    for fmt in ("markdown", "html"):
        text = (await w.http.get("/challenges/change/guide", params={"format": fmt})).text
        assert "Agreed before the hold." in text and "waits for a moderator" in text
        assert "07700" not in text and "Data B" in text  # B's title before its hold
