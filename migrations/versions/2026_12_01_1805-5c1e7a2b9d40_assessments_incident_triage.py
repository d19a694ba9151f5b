"""assessments: incident_id (a triage answered on an incident)

Revision ID: 5c1e7a2b9d40
Revises: 82f2bb39abb7
Create Date: 2026-12-01 18:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e7a2b9d40"
down_revision: str | Sequence[str] | None = "82f2bb39abb7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_incident_id_incidents"),
            "incidents",
            ["incident_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(
            "ix_assessments_org_incident",
            ["organization_id", "incident_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_org_incident")
        batch_op.drop_constraint(
            batch_op.f("fk_assessments_incident_id_incidents"), type_="foreignkey"
        )
        batch_op.drop_column("incident_id")
