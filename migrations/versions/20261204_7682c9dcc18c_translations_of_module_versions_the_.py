"""Translations of module versions; the course's languages

Revision ID: 7682c9dcc18c
Revises: 96c0568aa282
Created: 2026-12-04 22:49:41
"""

import sqlalchemy as sa
from alembic import op

revision = "7682c9dcc18c"
down_revision = "96c0568aa282"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_version_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("part", sa.String(length=200), nullable=False),
        sa.Column("translates", sa.String(length=64), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("rendered", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_version_id"],
            ["module_versions.id"],
            name=op.f("fk_translations_module_version_id_module_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
        sa.UniqueConstraint(
            "module_version_id", "language", "part", name=op.f("uq_translations_module_version_id")
        ),
    )
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_translations_module_version_id"), ["module_version_id"], unique=False
        )

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("languages", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("languages")

    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_translations_module_version_id"))

    op.drop_table("translations")
