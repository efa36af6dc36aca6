"""What an entry's history shows, kept for the session that fetched it, so ``H`` and
the diffs open in the frame of their key: the first page of versions, version texts,
and the diffs between them. Plain logic, no widgets.

A version never changes once saved: its text is kept by (entry, version). The first
page is kept by (entry, the entry's version then): once the entry has a newer version,
that key is not asked for again. The entry screen fetches both ahead, after it is
drawn, for those who may read the history (``prefetch``); the history screen fetches
what is not kept, as before, and the texts around the version highlighted. A diff is
worked out once per version (the newest one ahead, with its texts).

Held by the sign-in (``tui.session.Session``): another person's session starts empty.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, TypeVar

from client.line_diff import LineDiff, diff_lines

if TYPE_CHECKING:
    from client.api import ChallengeClient
    from client.guide_models import EntryVersion, GuideEntry
    from client.models import Page

K = TypeVar("K")
V = TypeVar("V")
PAGE = 50  # versions asked for at a time
TEXTS = 64  # version texts kept
PAGES = 16  # first pages kept
DIFFS = 16  # diffs kept


class VersionCache:
    def __init__(self) -> None:
        self._texts: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._pages: OrderedDict[tuple[int, int], Page[EntryVersion]] = OrderedDict()
        self._fetching: dict[tuple[int, int], asyncio.Task[str]] = {}
        self._diffs: OrderedDict[tuple[int, int], LineDiff] = OrderedDict()

    def first_page(self, entry: GuideEntry) -> Page[EntryVersion] | None:
        return self._pages.get((entry.id, entry.version))

    def keep_first_page(self, entry: GuideEntry, page: Page[EntryVersion]) -> None:
        _keep(self._pages, (entry.id, entry.version), page, PAGES)

    def text(self, entry_id: int, version: int) -> str | None:
        """Version ``version``'s text, if kept ("" before the first version)."""
        if version < 1:
            return ""
        found = self._texts.get((entry_id, version))
        if found is not None:
            self._texts.move_to_end((entry_id, version))
        return found

    def diff(self, entry_id: int, version: int) -> LineDiff | None:
        """What ``version`` changed against the one before, if both texts are kept."""
        key = (entry_id, version)
        found = self._diffs.get(key)
        if found is not None:
            self._diffs.move_to_end(key)
            return found
        new, old = self.text(entry_id, version), self.text(entry_id, version - 1)
        if new is None or old is None:
            return None
        return self.keep_diff(entry_id, version, diff_lines(old, new))

    def keep_diff(self, entry_id: int, version: int, diff: LineDiff) -> LineDiff:
        _keep(self._diffs, (entry_id, version), diff, DIFFS)
        return diff

    async def fetch_text(self, client: ChallengeClient, entry_id: int, version: int) -> str:
        """Version ``version``'s text, fetched unless kept (one request at a time per
        version, however many ask)."""
        kept = self.text(entry_id, version)
        if kept is not None:
            return kept
        key = (entry_id, version)
        task = self._fetching.get(key)
        if task is None:
            task = self._fetching[key] = asyncio.ensure_future(
                self._fetch(client, entry_id, version))
            task.add_done_callback(lambda done: self._done(key, done))
        return await asyncio.shield(task)

    def _done(self, key: tuple[int, int], task: asyncio.Task[str]) -> None:
        self._fetching.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved: whoever awaited it has it (or left)

    async def _fetch(self, client: ChallengeClient, entry_id: int, version: int) -> str:
        found = await client.get_guide_version(entry_id, version)
        text = found.body or ""
        _keep(self._texts, (entry_id, version), text, TEXTS)
        return text

    async def prefetch(self, client: ChallengeClient, entry: GuideEntry) -> None:
        """What ``H`` shows first: the first page and the newest version's diff."""
        if self.first_page(entry) is None:
            page = await client.list_guide_versions(entry.id, limit=PAGE)
            self.keep_first_page(entry, page)
        new, old = await asyncio.gather(*(self.fetch_text(client, entry.id, v)
                                          for v in (entry.version, entry.version - 1)))
        if (entry.id, entry.version) not in self._diffs:  # worked out off the key's path
            self.keep_diff(entry.id, entry.version,
                           await asyncio.to_thread(diff_lines, old, new))

    async def prefetch_texts(self, client: ChallengeClient, entry_id: int,
                             version: int) -> None:
        """The texts the diff of ``version`` needs (it and the one before)."""
        await asyncio.gather(*(self.fetch_text(client, entry_id, v)
                               for v in (version, version - 1) if v >= 1))


def _keep(kept: OrderedDict[K, V], key: K, value: V, most: int) -> None:
    kept[key] = value
    kept.move_to_end(key)
    while len(kept) > most:
        kept.popitem(last=False)
