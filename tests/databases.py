"""One fresh database per test run: a SQLite file, or a new PostgreSQL database dropped after."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from app.db import normalise_url


@contextmanager
def fresh_database(server_url: str | None, tmp_dir: Path, label: str = "run") -> Iterator[str]:
    """Yield the URL of an empty database that is removed afterwards.

    With ``server_url`` (any database on a PostgreSQL server) a new database is created on that
    server; without it, a SQLite file in ``tmp_dir``.
    """
    if not server_url:
        path = tmp_dir / f"{label}-{secrets.token_hex(4)}.db"
        yield f"sqlite:///{path}"
        return
    admin_url = normalise_url(server_url)
    name = f"aas_test_{label}_{secrets.token_hex(6)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
