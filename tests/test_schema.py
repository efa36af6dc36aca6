"""The migrations build the schema the tables describe: every index the queries
rely on exists after ``migrate``, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from server.tables import Base


async def test_migrations_create_every_index_of_the_tables(database_url: str) -> None:
    engine = create_async_engine(database_url)

    def indexes(connection: Any) -> dict[str, set[str]]:
        found = inspect(connection)
        return {table: {ix["name"] for ix in found.get_indexes(table)}
                for table in Base.metadata.tables}

    try:
        async with engine.connect() as connection:
            migrated = await connection.run_sync(indexes)
    finally:
        await engine.dispose()
    for name, table in Base.metadata.tables.items():
        declared = {ix.name for ix in table.indexes}
        assert declared <= migrated[name], (name, declared - migrated[name])
