"""lessons may be branching scenarios

Revision ID: 518c3c2dba6f
Revises: e4625aa56a93
Created: 2026-12-04 18:35:09.263189
"""

import sqlalchemy as sa
from alembic import op

revision = "518c3c2dba6f"
down_revision = "e4625aa56a93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scenario", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("scenario_html", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_column("scenario_html")
        batch_op.drop_column("scenario")
