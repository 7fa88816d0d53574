"""Sites: an organisation's premises and who works at them

Revision ID: 2f8cdc2c1cb3
Revises: 7682c9dcc18c
Created: 2026-12-05 01:52:18.689697
"""

import sqlalchemy as sa
from alembic import op

revision = "2f8cdc2c1cb3"
down_revision = "7682c9dcc18c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column(
            "capacity_tier",
            sa.Enum(
                "under_200",
                "standard",
                "enhanced",
                name="capacitytier",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sites_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_sites_organisation_id")),
    )
    op.create_table(
        "site_members",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("member", "manager", name="siterole", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_site_members_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_members_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", "membership_id", name=op.f("pk_site_members")),
    )
    with op.batch_alter_table("site_members", schema=None) as batch_op:
        batch_op.create_index("ix_site_members_membership", ["membership_id"], unique=False)

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_site_id_sites"),
            "sites",
            ["site_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invitations_site_id_sites"), type_="foreignkey")
        batch_op.drop_column("site_id")

    with op.batch_alter_table("site_members", schema=None) as batch_op:
        batch_op.drop_index("ix_site_members_membership")

    op.drop_table("site_members")
    op.drop_table("sites")
