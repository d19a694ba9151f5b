"""Alembic environment: the URL from the settings (or the caller), the metadata of every table."""

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext

from app.db import UTCDateTime, create_db_engine
from app.settings import get_settings
from app.tables import metadata

config = context.config
url = config.attributes.get("database_url") or get_settings().database_url


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our own column types by name, so migrations import them instead of guessing."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import app.db")
        return "app.db.UTCDateTime()"
    if type_ == "type" and isinstance(obj, sa.JSON):
        autogen_context.imports.add("import app.db")
        return "app.db.JSONType"
    return False


def run_offline() -> None:
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only ALTER through table rebuilds
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
