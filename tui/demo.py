"""``change-challenge demo``: the server in-process on a free loopback port, the demo
database in the data dir, and the app already signed in as a demo person.

This is the one place the TUI package starts server code, and it does so lazily.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs

# The server stack at import time, not in ``demo_server``: without the server extra,
# importing this module is what fails, and ``tui.cli`` says in one line what to install.
import uvicorn

from server.app import create_app
from server.cli import KEEP_ALIVE_SECONDS
from server.config import Settings
from server.db import Database
from server.migrate import analyse
from server.seed.demo import seed_demo
from server.seed.develop import load as load_develop
from server.seed.develop_guide import DemoDraft, demo_draft
from tui.entry_drafts import EntryDraft, EntryDraftStore

DEMO_PEOPLE = {
    "participant": ("amara.okafor@nhs.net", "demo-amara"),
    "moderator": ("rachel.dunmore@nhs.net", "demo-rachel"),
    "admin": ("sam.ashworth@nhs.net", "demo-sam"),  # publishes the guide, sets challenges up
}


def demo_database(fresh: bool) -> str:
    directory = Path(platformdirs.user_data_dir("change-challenge", appauthor=False))
    path = directory / "demo.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


@contextmanager
def demo_server(fresh: bool = False, role: str = "participant") -> Iterator[str]:
    """Seed (if needed) and serve the demo, signed in as ``role``'s person; yields the
    server's URL."""
    # A cheap password hash: demo passwords are printed for anyone to use.
    settings = Settings(database_url=demo_database(fresh), argon2_time_cost=1,
                        argon2_memory_kib=1024)
    asyncio.run(seed_demo(settings, quiet=True))
    asyncio.run(analyse(settings.database_url))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    if role == "participant":
        # Their unsent edit of a guide entry, for the app to offer back and merge.
        leave_demo_draft(settings.database_url, url, DEMO_PEOPLE[role][0])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="critical",
                                           lifespan="on", timeout_keep_alive=KEEP_ALIVE_SECONDS))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              name="demo-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def demo_options(role: str) -> dict[str, Any]:
    return {"sign_in_as": DEMO_PEOPLE[role]}


# Every run serves the demo on a new loopback port, and a draft belongs to one server
# address: copies left for earlier runs' addresses are removed, as long as nobody
# touched them.
DEMO_HOST = "http://127.0.0.1:"


def leave_demo_draft(database_url: str, server: str, email: str,
                     store: EntryDraftStore | None = None) -> EntryDraft | None:
    """Save the data's unsent edit for ``email`` for the demo at ``server``; what was
    saved, or None: no such edit, the entry has moved on since the seed, or an edit of
    that entry is already in progress there."""
    data = load_develop()

    async def find() -> DemoDraft | None:
        db = Database.connect(database_url, pool_size=1)
        try:
            async with db.read() as session:
                return await demo_draft(session, data, data["challenge"]["slug"], email)
        finally:
            await db.dispose()

    found = asyncio.run(find())
    if found is None:
        return None
    store = store or EntryDraftStore()
    draft = EntryDraft(server=server, entry_id=found.entry_id,
                       base_version=found.base_version, base_text=found.base_text,
                       text=found.text, title=found.title)
    _forget_earlier_copies(store, draft)
    if store.load(server, found.entry_id) is not None:
        return None  # the person's own edit in progress: never overwritten
    store.save(draft)
    return draft


def _forget_earlier_copies(store: EntryDraftStore, draft: EntryDraft) -> None:
    if not store.directory.is_dir():
        return
    for path in store.directory.glob("*.json"):
        try:
            old: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (isinstance(old, dict) and old.get("server") != draft.server
                and str(old.get("server", "")).startswith(DEMO_HOST)
                and all(old.get(k) == getattr(draft, k)
                        for k in ("entry_id", "base_version", "base_text", "text"))):
            path.unlink(missing_ok=True)
