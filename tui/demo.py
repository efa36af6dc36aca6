"""``change-challenge demo``: the server in-process on a free loopback port, the demo
database in the data dir, and the app already signed in as a demo person.

This is the one place the TUI package starts server code, and it does so lazily.
"""

from __future__ import annotations

import asyncio
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
from server.config import Settings
from server.migrate import analyse
from server.seed.demo import seed_demo

DEMO_PEOPLE = {
    "participant": ("amara.okafor@nhs.net", "demo-amara"),
    "moderator": ("rachel.dunmore@nhs.net", "demo-rachel"),
}


def demo_database(fresh: bool) -> str:
    directory = Path(platformdirs.user_data_dir("change-challenge", appauthor=False))
    path = directory / "demo.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


@contextmanager
def demo_server(fresh: bool = False) -> Iterator[str]:
    """Seed (if needed) and serve the demo; yields the server's URL."""
    # A cheap password hash: demo passwords are printed for anyone to use.
    settings = Settings(database_url=demo_database(fresh), argon2_time_cost=1,
                        argon2_memory_kib=1024)
    asyncio.run(seed_demo(settings, quiet=True))
    asyncio.run(analyse(settings.database_url))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="critical",
                                           lifespan="on"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              name="demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def demo_options(role: str) -> dict[str, Any]:
    return {"sign_in_as": DEMO_PEOPLE[role]}
