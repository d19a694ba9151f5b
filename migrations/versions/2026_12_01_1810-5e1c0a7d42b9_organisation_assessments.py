"""organisation-level assessments: a subject column and a stricter subject check

Revision ID: 5e1c0a7d42b9
Revises: 5c1e7a2b9d40
Create Date: 2026-12-01 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '5e1c0a7d42b9'
down_revision: str | Sequence[str] | None = '5c1e7a2b9d40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECT_CHECK = (
    "(subject = 'system' AND system_id IS NOT NULL AND supplier_id IS NULL)"
    " OR (subject = 'supplier' AND supplier_id IS NOT NULL AND system_id IS NULL)"
    " OR (subject = 'organization' AND system_id IS NULL AND supplier_id IS NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
    # Every existing row is of a system or of a supplier (the old check allowed nothing else).
    op.execute(
        "UPDATE assessments SET subject = CASE WHEN supplier_id IS NOT NULL "
        "THEN 'supplier' ELSE 'system' END"
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.alter_column(
            'subject', existing_type=sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False
        )
        batch_op.drop_constraint(op.f('ck_assessments_one_subject'), type_='check')
        batch_op.create_check_constraint(op.f('ck_assessments_subject_matches'), SUBJECT_CHECK)
        batch_op.create_index(
            'ix_assessments_org_subject', ['organization_id', 'subject', 'created_at'], unique=False
        )


def downgrade() -> None:
    # Organisation assessments cannot live under the old check: they go, with their rounds.
    op.execute(
        "DELETE FROM assessment_rounds WHERE assessment_id IN "
        "(SELECT id FROM assessments WHERE subject = 'organization')"
    )
    op.execute("DELETE FROM assessments WHERE subject = 'organization'")
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_org_subject')
        batch_op.drop_constraint(op.f('ck_assessments_subject_matches'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_assessments_one_subject'), '(system_id IS NULL) <> (supplier_id IS NULL)'
        )
        batch_op.drop_column('subject')
