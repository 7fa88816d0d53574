"""Site annexes: versions of a site's own procedures, and who confirmed them

Revision ID: 65e3312abd43
Revises: 7233619b508c
Created: 2026-12-05 02:15:13.022678
"""

import sqlalchemy as sa
from alembic import op

revision = "65e3312abd43"
down_revision = "7233619b508c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annex_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("sections_html", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_annex_versions_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_annex_versions_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annex_versions")),
        sa.UniqueConstraint("site_id", "number", name=op.f("uq_annex_versions_site_id")),
    )
    op.create_table(
        "annex_attestations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annex_version_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("attested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["annex_version_id"],
            ["annex_versions.id"],
            name=op.f("fk_annex_attestations_annex_version_id_annex_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_annex_attestations_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annex_attestations")),
        sa.UniqueConstraint(
            "annex_version_id", "membership_id", name=op.f("uq_annex_attestations_annex_version_id")
        ),
    )
    with op.batch_alter_table("annex_attestations", schema=None) as batch_op:
        batch_op.create_index("ix_annex_attestations_membership", ["membership_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("annex_attestations", schema=None) as batch_op:
        batch_op.drop_index("ix_annex_attestations_membership")

    op.drop_table("annex_attestations")
    op.drop_table("annex_versions")
