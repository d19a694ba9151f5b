"""Alembic from code: upgrade to head and tell whether a database is at head.

The running service only asks the second question, which needs no Alembic: the heads are read
from the migration files (each names its `revision` and `down_revision`) and the database's
revisions from `alembic_version`. Alembic (with Mako and Pygments, about 10 MB per worker) is
imported by the commands that migrate.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from app.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config

VERSIONS = PROJECT_ROOT / "migrations" / "versions"


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def _revision_of(path_text: str) -> tuple[str, set[str]]:
    """(revision, the revisions it follows) as a migration file assigns them."""
    values: dict[str, object] = {}
    for node in ast.parse(path_text).body:
        target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and value:
            values[target.id] = ast.literal_eval(value)
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str):
        raise ValueError("a migration without a revision")
    follows = (
        {down} if isinstance(down, str) else set(down) if isinstance(down, tuple | list) else set()
    )
    return revision, {str(d) for d in follows}


def head_revisions() -> set[str]:
    """The revisions no other migration follows (what `alembic heads` prints)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        revision, follows = _revision_of(path.read_text(encoding="utf-8"))
        revisions.add(revision)
        followed |= follows
    return revisions - followed


def current_revisions(connection: Connection) -> set[str]:
    """The revisions the database is at (none before its first migration)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return set()
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
    return {str(row[0]) for row in rows}
