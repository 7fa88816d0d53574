"""modules carry SVG pictures, stored once by digest

Revision ID: e4625aa56a93
Revises: c88cd68bad8c
Created: 2026-12-04 18:15:33.810209
"""

import sqlalchemy as sa
from alembic import op

revision = "e4625aa56a93"
down_revision = "c88cd68bad8c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pictures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("svg", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pictures")),
        sa.UniqueConstraint("digest", name=op.f("uq_pictures_digest")),
    )
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pictures", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("module_versions", schema=None) as batch_op:
        batch_op.drop_column("pictures")

    op.drop_table("pictures")
