"""Running ``change-challenge admin challenge ...`` in-process, against the database
the test's API serves, and reading a challenge's stored state to compare."""

from __future__ import annotations

import asyncio
import io
import tomllib
from collections.abc import Awaitable, Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.tables import ChallengeRow, PhaseRow, PromptRow
from tests.support import TestApi
from tui.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "challenge.example.toml"


@dataclass
class Done:
    code: int
    out: str
    err: str


Cli = Callable[..., Awaitable[Done]]


@pytest.fixture
def cli(api: TestApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    """``await cli("show", "slug")``; ``text=`` is written to a file given as ``--file``."""
    monkeypatch.setenv("CHALLENGE_DATABASE_URL", api.settings.database_url)
    files = iter(range(1_000))

    async def run(*args: str, text: str | None = None) -> Done:
        argv = ["admin", "challenge", *args]
        if text is not None:
            file = tmp_path / f"challenge-{next(files)}.toml"
            file.write_text(text, encoding="utf-8")
            argv += ["--file", str(file)]

        def call() -> Done:
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exc:  # argparse's usage errors
                    code = int(exc.code or 0)
            return Done(code, out.getvalue(), err.getvalue())

        # The command runs its own event loop (asyncio.run), as from a shell.
        return await asyncio.to_thread(call)

    return run


def example() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def edited(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    (number,) = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


async def stored(api: TestApi, slug: str) -> dict[str, Any] | None:
    """Everything stored about a challenge, row ids and ``updated_at`` included."""
    async with api.db.read() as session:
        row = (await session.execute(
            select(ChallengeRow).where(ChallengeRow.slug == slug))).scalar_one_or_none()
        if row is None:
            return None
        phases = (await session.execute(select(PhaseRow).where(
            PhaseRow.challenge_id == row.id).order_by(PhaseRow.position))).scalars().all()
        prompts = (await session.execute(select(PromptRow).where(
            PromptRow.challenge_id == row.id).order_by(PromptRow.position))).scalars().all()
    columns = [c.key for c in ChallengeRow.__table__.columns]
    return {"challenge": {c: getattr(row, c) for c in columns},
            "phases": [{c.key: getattr(p, c.key) for c in PhaseRow.__table__.columns}
                       for p in phases],
            "prompts": [{c.key: getattr(p, c.key) for c in PromptRow.__table__.columns}
                        for p in prompts]}


async def shown(cli: Cli, slug: str) -> tuple[str, dict[str, Any]]:
    done = await cli("show", slug)
    assert done.code == 0, done.err
    return done.out, tomllib.loads(done.out)
