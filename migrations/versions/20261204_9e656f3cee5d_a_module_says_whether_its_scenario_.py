"""a module says whether its scenario counts towards completing it

Revision ID: 9e656f3cee5d
Revises: eb567461f7b8
Created: 2026-12-04 19:12:38.017091
"""

import sqlalchemy as sa
from alembic import op

revision = "9e656f3cee5d"
down_revision = "eb567461f7b8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scenario_counts", sa.Boolean(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.drop_column("scenario_counts")
