"""The published ballot log from the async client, as a mixin ``ChallengeClient``
inherits: a person's receipt, and the whole log checked as ``change-challenge verify``
checks it (``client.verify_log.Verification``: the same steps, downloaded here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from client.ballot_models import BallotReceipt
from client.verify_log import Lines, Verification, Verified

if TYPE_CHECKING:
    from client.transport import Transport

#: How long a download may stay silent (a large log is read in batches by the server).
READ_TIMEOUT = 60.0
NDJSON = {"Accept": "application/x-ndjson"}

Progress = Callable[[int, int], None]  # (lines checked, lines in the log)


class BallotsMixin:
    _t: Transport

    async def my_receipt(self, slug: str) -> BallotReceipt:
        """Your pseudonym in ``slug``'s ballot log and the hash of your lines.
        ``NotFound`` (type ``/problems/ballots-not-published``, its detail saying when
        the next run of voting ends) before any log is published."""
        return await self._t.call("GET", "/me/receipt", BallotReceipt,
                                  params={"challenge": slug})

    async def verify_ballots(self, slug: str, *, receipt: BallotReceipt | None = None,
                             progress: Progress | None = None) -> Verified:
        """Download ``slug``'s manifest and log, check the chain, recompute every
        ranking and, given ``receipt``, check the log holds exactly its lines.
        ``client.verify_log.Mismatch`` says where they differ; ``progress`` hears
        (lines checked, lines in all) as the lines arrive."""
        path = f"/challenges/{quote(slug, safe='')}/ballots"
        manifest = (await self._t.send("GET", f"{path}/manifest")).content
        check = Verification(slug, manifest,
                             receipt.model_dump() if receipt is not None else None)
        if check.tail_from is not None:  # whose ballots a later segment changes
            await self._read(path, check.tail_from, check.later)
        if progress is not None:
            progress(0, check.count)

        def feed(lines: list[bytes]) -> None:
            for raw in lines:
                check.feed(raw)
            if progress is not None:
                progress(check.n, check.count)

        await self._read(path, 1, feed)
        return check.finish()

    async def check_my_ballot(self, slug: str, progress: Progress | None = None
                              ) -> tuple[BallotReceipt, Verified]:
        """Your receipt, and the log checked to hold exactly your lines (as
        ``change-challenge verify --receipt``): raises as ``my_receipt`` and
        ``verify_ballots`` do."""
        receipt = await self.my_receipt(slug)
        return receipt, await self.verify_ballots(slug, receipt=receipt, progress=progress)

    async def _read(self, path: str, start: int, take: Callable[[list[bytes]], None]) -> None:
        """The log's lines from line ``start``, to ``take`` a chunk's worth at a time."""
        lines = Lines()
        async with self._t.stream(path, params={"from": start} if start > 1 else None,
                                  headers=NDJSON, read_timeout=READ_TIMEOUT) as response:
            async for chunk in response.aiter_bytes():
                take(lines.feed(chunk))
        take(lines.end())
