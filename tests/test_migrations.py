"""Alembic owns the schema: one head, no drift from the models, and a reversible history."""

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from app.db import create_db_engine
from app.migrate import alembic_config, current_revisions, downgrade, head_revisions, upgrade
from app.tables import metadata
from tests.databases import fresh_database


def test_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_upgrade_downgrade_upgrade(database_server: str | None, tmp_path: Path) -> None:
    with fresh_database(database_server, tmp_path, "mig") as url:
        upgrade(url)
        downgrade(url, "base")
        scratch = create_db_engine(url)
        try:
            with scratch.connect() as connection:
                tables = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
                assert tables == set()
            upgrade(url)
            with scratch.connect() as connection:
                assert current_revisions(connection) == head_revisions()
                tables = set(sa.inspect(connection).get_table_names())
                assert set(metadata.tables) <= tables
        finally:
            scratch.dispose()
