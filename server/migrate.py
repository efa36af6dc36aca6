"""Bring a database's schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.db import ensure_sqlite_dir

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (idempotent)."""
    ensure_sqlite_dir(url)
    engine = create_async_engine(url)
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def analyse(url: str) -> None:
    """Refresh SQLite's planner statistics (cheap with a sample limit).

    Without them SQLite plans a search over a large challenge by walking every row
    of the challenge; with them it reads newest first and stops early (34 ms -> 6 ms
    for a common word at 50,000 submissions; bench/RESULTS.md).
    """
    if not url.startswith("sqlite"):
        return  # PostgreSQL's autovacuum keeps its statistics
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


async def is_current(url: str) -> bool:
    """Whether the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_async_engine(url)

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current) == head
    finally:
        await engine.dispose()
