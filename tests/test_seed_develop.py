"""``seed demo``'s second challenge, whose develop phase is running: its phases, its
half-written guide (versions, leads, pledges, citations, merged duplicates among the
sources), re-seeding, and the unsent edit the data keeps for the demo person (both
databases)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from client import merge3
from server.guide_export import CITATION
from server.guide_tables import (
    GuideCommentRow,
    GuideContributorRow,
    GuideEntryRow,
    GuidePledgeRow,
    GuidePublicationRow,
    GuideSourceRow,
    GuideVersionRow,
)
from server.seed import develop, develop_guide
from server.seed.demo import seed_demo
from server.tables import (
    ChallengeRow,
    ModerationActionRow,
    PhaseRow,
    SubmissionRow,
    UserRow,
    VoteRow,
)
from tests.support import TestApi

SLUG = "time-to-care"
DEMO_PERSON = ("amara.okafor@nhs.net", "demo-amara")  # tui/demo.py's participant
MODERATOR = ("rachel.dunmore@nhs.net", "demo-rachel")


async def seed(api: TestApi, *, replace: bool = False) -> None:
    assert await seed_demo(api.settings, quiet=True, now=api.clock(), replace=replace) == 0


async def sign_in(api: TestApi, email: str, password: str) -> dict[str, str]:
    r = await api.http.post("/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def guide(api: TestApi) -> dict[str, Any]:
    """The seeded challenge's rows: its id, submissions by id, entries in order, with
    their versions, sources, pledges, contributors and comments."""
    async with api.db.read() as s:
        challenge = (await s.execute(select(ChallengeRow).where(
            ChallengeRow.slug == SLUG))).scalar_one()
        subs = {r.id: r for r in (await s.execute(select(SubmissionRow).where(
            SubmissionRow.challenge_id == challenge.id))).scalars()}
        entries = list((await s.execute(select(GuideEntryRow).where(
            GuideEntryRow.challenge_id == challenge.id)
            .order_by(GuideEntryRow.position))).scalars())
        ids = [e.id for e in entries]

        async def by_entry(table: Any, order: Any) -> dict[int, list[Any]]:
            found: dict[int, list[Any]] = {i: [] for i in ids}
            for row in (await s.execute(select(table).where(table.entry_id.in_(ids))
                                        .order_by(order))).scalars():
                found[row.entry_id].append(row)
            return found

        return {
            "challenge": challenge, "submissions": subs, "entries": entries,
            "versions": await by_entry(GuideVersionRow, GuideVersionRow.version),
            "sources": await by_entry(GuideSourceRow, GuideSourceRow.position),
            "pledges": await by_entry(GuidePledgeRow, GuidePledgeRow.id),
            "contributors": await by_entry(GuideContributorRow, GuideContributorRow.user_id),
            "comments": await by_entry(GuideCommentRow, GuideCommentRow.id),
            "emails": dict((await s.execute(select(UserRow.id, UserRow.email))).all()),
            "published": (await s.execute(select(func.count()).select_from(
                GuidePublicationRow).where(GuidePublicationRow.published.is_(True)))
            ).scalar_one(),
        }


async def test_the_second_challenge_is_developing_its_guide(api: TestApi) -> None:
    await seed(api)
    r = await api.http.get("/challenges")
    assert {c["slug"] for c in r.json()["items"]} == {"bottom-up-change", SLUG}
    r = await api.http.get(f"/challenges/{SLUG}")
    assert r.status_code == 200, r.text
    current = r.json()["current_phase"]
    assert current["name"] == "Develop"
    assert current["develop"] is True and current["comments"] is True
    assert current["votes"] is False and current["submissions"] is False
    share = r.json()["phases"][0]
    assert share["votes"] is True and share["develop"] is False
    # The first challenge's Develop phase is a develop phase too, still to come.
    first = (await api.http.get("/challenges/bottom-up-change")).json()["phases"]
    assert [p["develop"] for p in first] == [False, False, True]

    # Voting has closed: the server says so.
    headers = await sign_in(api, *DEMO_PERSON)
    listed = await api.http.get(f"/challenges/{SLUG}/submissions", params={"sort": "top"})
    top = listed.json()["items"]
    assert len(top) == 16  # 18 posted, 2 merged into others
    vote = await api.http.put(f"/submissions/{top[-1]['id']}/vote", json={"value": 1},
                              headers=headers)
    assert vote.status_code == 403, vote.text
    # The ranking the data means: the shortlisted ones near the top, in this order.
    assert [s["title"] for s in top[:2]] == [
        "We stopped writing the same observations in three places",
        "A bleep-free hour for the ward round"]


async def test_the_guide_is_half_written(api: TestApi) -> None:
    await seed(api)
    g = await guide(api)
    entries, emails = g["entries"], g["emails"]
    data = develop.load()["guide"]["entries"]
    assert [len(g["versions"][e.id]) for e in entries] == [6, 5, 6, 4, 3]
    assert [e.version for e in entries] == [6, 5, 6, 4, 3]
    # The lead is the author of the submission it was shortlisted from.
    assert [e.lead_id for e in entries] == [
        g["submissions"][e.submission_id].author_id for e in entries]
    assert [len(g["pledges"][e.id]) for e in entries] == [4, 2, 1, 3, 0]
    assert {e.status for e in entries} == {"adopted", "testing", "proposed"}
    assert g["published"] == 0
    assert sum(len(c) for c in g["comments"].values()) == 5
    async with api.db.read() as session:
        develop_start = (await session.execute(select(PhaseRow.starts_at).where(
            PhaseRow.challenge_id == g["challenge"].id, PhaseRow.develop.is_(True))
        )).scalar_one()
    for entry in entries:
        versions = g["versions"][entry.id]
        assert [v.version for v in versions] == list(range(1, entry.version + 1))
        last = versions[-1]
        assert (last.body, last.title, last.status, last.review_on) == (
            entry.body, entry.title, entry.status, entry.review_on)
        assert len({v.author_id for v in versions}) >= 2  # written by several people
        assert versions[0].body.startswith("## What it is\n\n> ")  # the server's template
        assert versions[-1].body != versions[0].body
        times = [v.created_at for v in versions]
        assert times == sorted(times) and times[0] > develop_start
        assert entry.review_on is not None and entry.review_on > api.clock().date()
        assert entry.lead_id not in {c.user_id for c in g["contributors"][entry.id]}
        assert all(p.note == p.note.strip() for p in g["pledges"][entry.id])
    # The demo person can edit the entry the data keeps her unsent edit for.
    (mid_edit,) = [i for i, d in enumerate(data) if "draft" in d]
    amara = next(k for k, v in emails.items() if v == DEMO_PERSON[0])
    assert amara in {c.user_id for c in g["contributors"][entries[mid_edit].id]}


async def test_citations_and_sources_point_at_the_challenge(api: TestApi) -> None:
    await seed(api)
    g = await guide(api)
    subs = g["submissions"]
    cited: set[int] = set()
    for entry in g["entries"]:
        for text in [entry.body, *(v.body for v in g["versions"][entry.id])]:
            assert "#{s:" not in text
            found = {int(n) for n in CITATION.findall(text)}
            assert found <= set(subs), f"entry {entry.id} cites {found - set(subs)}"
            cited |= found
        sources = g["sources"][entry.id]
        assert (sources[0].submission_id, sources[0].origin) == (entry.submission_id,
                                                                 "shortlisted")
        assert f"#{entry.submission_id}" in entry.body
    merged = {sid for sid, s in subs.items() if s.status == "merged"}
    assert len(merged) == 2
    merged_sources = {(s.entry_id, s.submission_id) for rows in g["sources"].values()
                      for s in rows if s.origin == "merged"}
    by_origin = {e.submission_id: e.id for e in g["entries"]}
    # Each duplicate is a source of the entry made from the submission it went into.
    assert merged_sources == {
        (by_origin[int(subs[sid].status_reason.split("#")[1].split(".")[0])], sid)
        for sid in merged}
    assert merged <= cited
    assert any(s.origin == "added" for rows in g["sources"].values() for s in rows)

    # The merges are real moderation decisions, and every vote counts once.
    async with api.db.read() as s:
        actions = (await s.execute(select(ModerationActionRow.action, func.count())
                                   .group_by(ModerationActionRow.action))).all()
        logged = list((await s.execute(select(ModerationActionRow.created_at)
                                       .order_by(ModerationActionRow.id))).scalars())
        votes = dict((await s.execute(
            select(VoteRow.submission_id, func.count()).where(VoteRow.submission_id.in_(subs))
            .group_by(VoteRow.submission_id))).all())
    assert dict(actions) == {"merge": 2, "guide_shortlist": 5, "guide_update": 6}
    assert logged == sorted(logged)  # the audit log reads in the order it happened
    for sid, sub in subs.items():
        assert votes.get(sid, 0) == sub.up + sub.down
        assert (sub.up + sub.down == 0) == (sid in merged)


async def test_seeding_again_keeps_it_and_replace_rebuilds_it(api: TestApi) -> None:
    async def census() -> tuple[int, ...]:
        async with api.db.read() as s:
            return tuple([(await s.execute(select(func.count()).select_from(t))).scalar_one()
                          for t in (ChallengeRow, PhaseRow, SubmissionRow, VoteRow,
                                    GuideEntryRow, GuideVersionRow, GuidePledgeRow,
                                    GuideSourceRow, ModerationActionRow, UserRow)])

    async def retitle(title: str) -> None:
        async with api.db.write() as s:
            entry = (await s.execute(select(GuideEntryRow).order_by(GuideEntryRow.id)
                                     .limit(1))).scalar_one()
            entry.title = title
            await s.commit()

    await seed(api)
    first = await census()
    challenge_id = (await guide(api))["challenge"].id
    await retitle("Changed since the seed")
    await seed(api)
    assert await census() == first
    again = await guide(api)
    assert again["challenge"].id == challenge_id
    assert again["entries"][0].title == "Changed since the seed"  # left alone
    await seed(api, replace=True)
    assert await census() == first  # nothing left over: audit log included
    rebuilt = await guide(api)
    assert rebuilt["challenge"].id != challenge_id
    assert rebuilt["entries"][0].title == "Write observations once"


async def test_the_demo_persons_unsent_edit_conflicts_in_one_place(api: TestApi) -> None:
    """Amara's edit began from her own version 4: the server refuses it as stale;
    merged (as the app merges) with the current text, one change conflicts and the rest
    merges cleanly; sent again, it is the next version, and the edit is spent."""
    await seed(api)
    data = develop.load()
    async with api.db.read() as session:
        draft = await develop_guide.demo_draft(session, data, SLUG, DEMO_PERSON[0])
        assert await develop_guide.demo_draft(session, data, SLUG, MODERATOR[0]) is None
    assert draft is not None
    g = await guide(api)
    (entry,) = [e for e in g["entries"] if e.id == draft.entry_id]
    assert draft.base_version == 4 < entry.version
    assert draft.base_text == g["versions"][entry.id][3].body
    assert g["emails"][g["versions"][entry.id][3].author_id] == DEMO_PERSON[0]
    assert "#{s:" not in draft.text and draft.text != draft.base_text
    merged = merge3.merge(draft.base_text, draft.text, entry.body)
    (conflict,) = merged.conflicts
    assert any("ward clerk" in line for line in conflict.mine)
    assert any("spare stack" in line for line in conflict.theirs)
    kept = merged.resolve(default="theirs")
    assert "laminated card" in kept and "#" + str(entry.submission_id) in kept
    assert "fifteen minutes" in kept  # a later contributor's line, kept too

    # Sent as the app sends it: refused as stale, then sent again merged.
    headers = await sign_in(api, *DEMO_PERSON)
    r = await api.http.patch(f"/guide/entries/{entry.id}", json={"body": draft.text},
                             headers={**headers, "If-Match": str(draft.base_version)})
    assert r.status_code == 412, r.text
    assert r.json()["type"].endswith("/problems/edit-conflict")
    assert r.json()["current"]["version"] == entry.version
    r = await api.http.patch(f"/guide/entries/{entry.id}", json={"body": kept},
                             headers={**headers, "If-Match": str(entry.version)})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == entry.version + 1 and "laminated card" in r.json()["body"]
    # The entry has moved on: the edit is spent, the demo offers it no more.
    async with api.db.read() as session:
        assert await develop_guide.demo_draft(session, data, SLUG, DEMO_PERSON[0]) is None


async def test_the_api_serves_the_guide_as_seeded(api: TestApi) -> None:
    """Each entry with its version and ETag; the demo person may edit the entry she
    contributes to and sees her pledge; an anonymous duplicate stays anonymous; the
    version history pages."""
    await seed(api)
    g = await guide(api)
    entries = g["entries"]
    facilitator = await sign_in(api, *MODERATOR)
    amara = await sign_in(api, *DEMO_PERSON)
    for entry in entries:
        r = await api.http.get(f"/guide/entries/{entry.id}", headers=facilitator)
        assert r.status_code == 200, r.text
        assert r.json()["version"] == entry.version
        assert r.headers["ETag"].strip('W/"') == str(entry.version)
        assert set(r.json()["sources"]) >= {s.submission_id for s in g["sources"][entry.id]}
        r = await api.http.get(f"/guide/entries/{entry.id}/versions", headers=facilitator)
        assert r.status_code == 200, r.text
        assert sorted(v["version"] for v in r.json()["items"]) == list(
            range(1, entry.version + 1))
    seen = [(await api.http.get(f"/guide/entries/{e.id}", headers=amara)).json()
            for e in entries]
    assert [e["can_edit"] for e in seen] == [False, False, True, False, False]
    assert seen[0]["my_pledge"]["note"].startswith("Our respiratory ward")
    assert [e["my_pledge"] for e in seen[1:]] == [None] * 4
    refs = {ref["id"]: ref for e in seen for ref in e["source_refs"]}
    hidden = [sid for sid, sub in g["submissions"].items()
              if sub.anonymous and sid in refs]
    assert hidden and all(refs[sid]["author"] is None for sid in hidden)
