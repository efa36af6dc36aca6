"""The sync of drafts with the server (``tui.draft_sync``), without a terminal: desks as
memory stores with a fake clock, against the real server in-process (SQLite), its
network behind a switch. Debounce, sign-in merges, two desks, deletes, offline, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from client import ChallengeClient
from server.config import Settings
from tests.support import add_users
from tui.draft_sync import DraftSync
from tui.draft_values import LocalDrafts, copy_of, merged_entry
from tui.drafts import Draft, submission_key
from tui.entry_drafts import EntryDraft, entry_key
from tui.entry_editing import absorbed
from tui.memory_stores import MemoryDraftStore, MemoryEntryDraftStore
from tui.sync_state import FileStates, MemoryStates, SyncState

SERVER = "http://test"
BASE = "one\ntwo\nthree"
FIVE = "one\ntwo\nthree\nfour\nfive"
MERGED = "ONE\ntwo\nTHREE\nfour\nFIVE"  # both desks' changes


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], drafts_per_user=4, draft_max_bytes=2048)


class Switch(httpx.AsyncBaseTransport):
    """The in-process server, behind a network that can go down."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = False
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("the network is down", request=request)
        self.sent.append(f"{request.method} {request.url.path.rsplit('/', 1)[-1]}")
        return await self.inner.handle_async_request(request)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Desk:
    """One desk: its stores (memory), its sync state, its sync for ``user``."""

    def __init__(self, client: ChallengeClient, user: int, clock: Clock,
                 states: MemoryStates | None = None) -> None:
        self.client = client
        self.drafts, self.entries = MemoryDraftStore(), MemoryEntryDraftStore()
        self.states = states or MemoryStates()
        self.sync = DraftSync(LocalDrafts(SERVER, self.drafts, self.entries), self.states,
                              user, clock=clock)
        self.drafts.listener = self.entries.listener = self.sync

    def write(self, title: str, body: str = "", draft: Draft | None = None) -> Draft:
        draft = draft or Draft(server=SERVER, challenge="c", kind="idea")
        draft.title, draft.body = title, body
        self.drafts.save(draft)
        return draft

    def titles(self) -> list[str]:
        return sorted(d.title for d in self.drafts.all())


@pytest.fixture
async def net(app: FastAPI) -> Switch:
    return Switch(app)


@pytest.fixture
async def people(net: Switch, database_url: str
                 ) -> AsyncIterator[tuple[tuple[int, ChallengeClient], ...]]:
    made = await add_users(database_url, 2, prefix="sync")
    clients = [ChallengeClient(SERVER, token=token, transport=net, retries=0)
               for _, token in made]
    try:
        yield tuple((user, client) for (user, _), client in zip(made, clients, strict=True))
    finally:
        for client in clients:
            await client.aclose()


async def server_titles(client: ChallengeClient) -> list[str]:
    values = [d.value async for d in client.iter_drafts(prefix="submission:")]
    return sorted(str(v["title"]) for v in values if isinstance(v, dict))


async def test_saves_are_coalesced_and_sent_after_a_pause(
        people: tuple[tuple[int, ChallengeClient], ...], net: Switch) -> None:
    (ada, client), _ = people
    clock = Clock()
    desk = Desk(client, ada, clock)
    assert await desk.sync.pull(client)
    assert desk.sync.next_due() is None
    draft = desk.write("H")
    for letter in "uddles":  # a key every half second: one write, after the pause
        clock.now += 0.5
        desk.write(draft.title + letter, draft=draft)
    assert desk.sync.next_due() == pytest.approx(2.0)
    net.sent.clear()
    assert await desk.sync.flush(client)
    assert net.sent == []  # not due yet
    clock.now += 2.0
    assert await desk.sync.flush(client)
    assert net.sent == [f"PUT {submission_key(draft.id)}"]
    assert await server_titles(client) == ["Huddles"]
    # Typing that never pauses is still sent every ``longest`` seconds.
    net.sent.clear()
    for _ in range(30):
        clock.now += 0.5
        desk.write(draft.title + ".", draft=draft)
        await desk.sync.flush(client)
    assert len(net.sent) == 1
    assert desk.sync.next_due() is not None and desk.sync.next_due() <= 2.0  # type: ignore[operator]


async def test_a_new_desk_gets_the_drafts_and_a_delete_follows(
        people: tuple[tuple[int, ChallengeClient], ...]) -> None:
    (ada, client), (bob, bobs) = people
    clock = Clock()
    first = Desk(client, ada, clock)
    await first.sync.pull(client)
    queued = first.write("Queued", "sent once")
    queued.state = "queued"
    first.drafts.save(queued)
    edit = EntryDraft(server=SERVER, entry_id=7, base_version=3, base_text=BASE,
                      text=BASE + "\nfour", title="Handover")
    first.entries.save(edit)
    await first.sync.flush(client, everything=True)

    second = Desk(client, ada, clock)  # the same person, another desk (or a new session)
    await second.sync.pull(client)
    (there,) = second.drafts.all()
    assert (there.id, there.idempotency_key, there.state, there.body) == (
        queued.id, queued.idempotency_key, "queued", "sent once")
    resumed = second.entries.load(SERVER, 7)
    assert resumed is not None and resumed.text == BASE + "\nfour" and resumed.base_version == 3

    # Bob sees none of it.
    other = Desk(bobs, bob, clock)
    await other.sync.pull(bobs)
    assert other.drafts.all() == [] and other.entries.all(SERVER) == []

    # Posted at the second desk: gone from the server, and from the first at its next pull.
    second.drafts.delete(there.id)
    second.entries.delete(SERVER, 7)
    await second.sync.flush(client, everything=True)
    assert await server_titles(client) == []
    await first.sync.pull(client)
    assert first.drafts.all() == [] and first.entries.load(SERVER, 7) is None


async def test_two_desks_editing_one_draft_keep_both_texts(
        people: tuple[tuple[int, ChallengeClient], ...]) -> None:
    (ada, client), _ = people
    clock = Clock()
    here, there = Desk(client, ada, clock), Desk(client, ada, clock)
    await here.sync.pull(client)
    draft = here.write("Huddles", "first")
    await here.sync.flush(client, everything=True)
    await there.sync.pull(client)
    (theirs,) = there.drafts.all()
    there.write("Huddles", "written there", draft=theirs)
    await there.sync.flush(client, everything=True)
    here.write("Huddles", "written here", draft=draft)  # here has not seen it: If-Match fails
    await here.sync.flush(client, everything=True)
    assert [e for e, _ in here.sync.take_events()] == ["kept-both"]
    bodies = sorted(d.body for d in here.drafts.all())
    assert bodies == ["written here", "written there"]
    kept = here.drafts.load(draft.id)
    assert kept is not None and kept.body == "written here"  # this desk keeps its key
    copy = next(d for d in here.drafts.all() if d.id != draft.id)
    assert copy.idempotency_key != draft.idempotency_key  # two drafts: two posts
    await here.sync.flush(client, everything=True)  # the copy goes to the server too
    await there.sync.pull(client)
    assert sorted(d.body for d in there.drafts.all()) == bodies
    assert len([d async for d in client.iter_drafts()]) == 2


async def test_two_desks_editing_one_entry_are_merged(
        people: tuple[tuple[int, ChallengeClient], ...]) -> None:
    (ada, client), _ = people
    clock = Clock()
    here, there = Desk(client, ada, clock), Desk(client, ada, clock)
    await here.sync.pull(client)
    edit = EntryDraft(server=SERVER, entry_id=5, base_version=1, base_text=FIVE, text=FIVE)
    edit.text = "ONE\ntwo\nthree\nfour\nfive"
    here.entries.save(edit)
    await here.sync.flush(client, everything=True)
    await there.sync.pull(client)
    theirs = there.entries.load(SERVER, 5)
    assert theirs is not None
    theirs.text = "ONE\ntwo\nthree\nfour\nFIVE"
    there.entries.save(theirs)
    await there.sync.flush(client, everything=True)
    replaced: list[str] = []
    here.sync.replaced = replaced.append
    edit.text = "ONE\ntwo\nTHREE\nfour\nfive"
    here.entries.save(edit)
    await here.sync.flush(client, everything=True)
    merged = here.entries.load(SERVER, 5)
    assert merged is not None and merged.text == MERGED
    assert replaced == [entry_key(5)]
    await there.sync.pull(client)
    back = there.entries.load(SERVER, 5)
    assert back is not None and back.text == MERGED


def test_a_conflicting_entry_merge_keeps_both_between_markers() -> None:
    mine = EntryDraft(server=SERVER, entry_id=1, base_version=1, base_text=BASE,
                      text="one\nmine\nthree", title="T", base_title="T")
    theirs = EntryDraft(server=SERVER, entry_id=1, base_version=1, base_text=BASE,
                        text="one\ntheirs\nthree", title="New title", base_title="T")
    merged = merged_entry(mine, theirs)
    assert "mine" in merged.text and "theirs" in merged.text and "<<<<<<<" in merged.text
    assert merged.title == "New title" and merged.base_version == 1


def test_a_queued_copy_keeps_its_idempotency_key() -> None:
    queued = Draft(server=SERVER, challenge="c", kind="idea", state="queued")
    assert copy_of(queued).idempotency_key == queued.idempotency_key
    assert copy_of(queued).id != queued.id
    draft = Draft(server=SERVER, challenge="c", kind="idea")
    assert copy_of(draft).idempotency_key != draft.idempotency_key


async def test_offline_keeps_everything_and_says_so_once(
        people: tuple[tuple[int, ChallengeClient], ...], net: Switch) -> None:
    (ada, client), _ = people
    clock = Clock()
    desk = Desk(client, ada, clock)
    await desk.sync.pull(client)
    net.down = True
    draft = desk.write("Offline", "one")
    assert not await desk.sync.flush(client, everything=True)
    desk.write("Offline", "two", draft=draft)
    gone = desk.write("Discarded")
    assert not await desk.sync.flush(client, everything=True)
    assert [e for e, _ in desk.sync.take_events()] == ["offline"]  # once
    desk.drafts.delete(gone.id)  # never reached the server: nothing to send for it
    # The state survives the desk's restart (the desktop keeps it on disk).
    assert desk.states.load(ada).dirty == {submission_key(draft.id)}
    again = Desk(client, ada, clock, states=desk.states)
    again.drafts, again.sync.local.drafts = desk.drafts, desk.drafts
    net.down = False
    assert await again.sync.pull(client)
    assert await server_titles(client) == ["Offline"]
    assert again.sync.take_events() == [] and not again.sync.offline


async def test_a_draft_deleted_offline_is_deleted_there_later_unless_saved_elsewhere(
        people: tuple[tuple[int, ChallengeClient], ...], net: Switch) -> None:
    (ada, client), _ = people
    clock = Clock()
    here, there = Desk(client, ada, clock), Desk(client, ada, clock)
    await here.sync.pull(client)
    posted, kept = here.write("Posted"), here.write("Kept elsewhere")
    await here.sync.flush(client, everything=True)
    await there.sync.pull(client)
    net.down = True
    here.drafts.delete(posted.id)
    here.drafts.delete(kept.id)
    assert not await here.sync.flush(client, everything=True)
    net.down = False
    elsewhere = there.drafts.load(kept.id)
    assert elsewhere is not None
    there.write("Kept elsewhere", "and changed", draft=elsewhere)
    await there.sync.flush(client, everything=True)
    assert await here.sync.pull(client)
    assert await server_titles(client) == ["Kept elsewhere"]
    assert [d.body for d in here.drafts.all()] == ["and changed"]


async def test_limits_are_said_once_and_the_draft_is_kept_here(
        people: tuple[tuple[int, ChallengeClient], ...]) -> None:
    (ada, client), _ = people
    clock = Clock()
    desk = Desk(client, ada, clock)
    await desk.sync.pull(client)
    big = desk.write("Big", "x" * 4000)
    await desk.sync.flush(client, everything=True)
    desk.write("Big", "y" * 4000, draft=big)
    await desk.sync.flush(client, everything=True)
    for n in range(5):
        desk.write(f"Small {n}")
    await desk.sync.flush(client, everything=True)
    events = [e for e, _ in desk.sync.take_events()]
    assert events.count("too-large") == 2 and events.count("too-many") == 1
    assert len(desk.drafts.all()) == 6  # every one kept here
    assert len(await server_titles(client)) == 4


def test_file_states_keep_each_person_apart(tmp_path: Path) -> None:
    states = FileStates(tmp_path, SERVER)
    states.save(1, SyncState(versions={"submission:a": 2}, dirty={"submission:b"}))
    states.save(2, SyncState(deleted={"entry:3"}))
    assert states.load(1) == SyncState(versions={"submission:a": 2}, dirty={"submission:b"})
    assert states.others(2) == {"submission:a", "submission:b"}
    assert states.others(1) == {"entry:3"}
    states.path.write_text("[not json", encoding="utf-8")
    assert states.load(1) == SyncState()


async def test_a_draft_someone_else_synced_here_is_not_sent_as_mine(
        people: tuple[tuple[int, ChallengeClient], ...]) -> None:
    (ada, client), (bob, bobs) = people
    clock = Clock()
    states = MemoryStates()
    adas = Desk(client, ada, clock, states=states)
    await adas.sync.pull(client)
    adas.write("Ada's")
    adas.entries.save(EntryDraft(server=SERVER, entry_id=9, base_version=1, base_text=BASE,
                                 text="Ada's edit"))
    await adas.sync.flush(client, everything=True)
    # Bob edited the same entry elsewhere; now he signs in on Ada's computer account.
    await bobs.put_draft(entry_key(9), asdict(EntryDraft(
        server=SERVER, entry_id=9, base_version=1, base_text=BASE, text="Bob's edit")))
    bobs_desk = Desk(bobs, bob, clock, states=states)
    bobs_desk.drafts = bobs_desk.sync.local.drafts = adas.drafts  # the same files
    bobs_desk.entries = bobs_desk.sync.local.entries = adas.entries
    await bobs_desk.sync.pull(bobs)
    assert await server_titles(bobs) == []
    assert asdict(adas.drafts.all()[0])["title"] == "Ada's"
    bobs_edit = await bobs.get_draft(entry_key(9))
    assert isinstance(bobs_edit.value, dict) and bobs_edit.value["text"] == "Bob's edit"
    adas_edit = adas.entries.load(SERVER, 9)
    assert adas_edit is not None and adas_edit.text == "Ada's edit"


def test_an_open_editor_keeps_what_was_typed_since_its_last_save() -> None:
    shown = EntryDraft(server=SERVER, entry_id=1, base_version=1, base_text=FIVE,
                       text="ONE\ntwo\nthree\nfour\nfive", title="T", base_title="T")
    merged = EntryDraft(server=SERVER, entry_id=1, base_version=1, base_text=FIVE,
                        text="ONE\ntwo\nthree\nfour\nFIVE", title="T", base_title="T")
    typed = "ONE\ntwo\nTHREE\nfour\nfive"
    held = absorbed(shown, "T", typed, merged)
    assert held.text == MERGED and held.title == "T"
    assert absorbed(shown, "Retitled", shown.text, merged) == replace(merged, title="Retitled")


async def test_a_server_whose_database_was_replaced_gets_the_drafts_again(
        people: tuple[tuple[int, ChallengeClient], ...]) -> None:
    """The same server and user id, but another account (the demo re-seeded, a database
    restored): the drafts here are sent again, never taken for ones posted elsewhere."""
    (ada, client), _ = people
    clock, states = Clock(), MemoryStates()
    desk = Desk(client, ada, clock, states)
    desk.sync = DraftSync(LocalDrafts(SERVER, desk.drafts, desk.entries), states, ada,
                          account="2026-12-01T09:00:00+00:00", clock=clock)
    desk.drafts.listener = desk.sync
    await desk.sync.pull(client)
    draft = desk.write("Keep this thought")
    await desk.sync.flush(client, everything=True)
    async for kept in client.iter_drafts(prefix="submission:"):  # the database replaced
        await client.delete_draft(kept.key)
    again = DraftSync(LocalDrafts(SERVER, desk.drafts, desk.entries), states, ada,
                      account="2026-12-05T09:00:00+00:00", clock=clock)
    assert await again.pull(client)
    assert desk.titles() == ["Keep this thought"] and desk.drafts.load(draft.id) is not None
    assert await server_titles(client) == ["Keep this thought"]
