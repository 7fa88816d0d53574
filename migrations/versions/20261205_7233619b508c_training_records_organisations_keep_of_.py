"""Training records organisations keep of former members, and how long they keep them

Revision ID: 7233619b508c
Revises: 2f8cdc2c1cb3
Created: 2026-12-05 01:56:13.007278
"""

import sqlalchemy as sa
from alembic import op

revision = "7233619b508c"
down_revision = "2f8cdc2c1cb3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "left",
                "removed",
                "account_deleted",
                name="recordreason",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("keep_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_training_records_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index("ix_training_records_keep_until", ["keep_until"], unique=False)
        batch_op.create_index(
            "ix_training_records_organisation_recorded",
            ["organisation_id", "recorded_at"],
            unique=False,
        )
        batch_op.create_index("ix_training_records_user", ["user_id"], unique=False)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_retention_days", sa.Integer(), server_default="1095", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("record_retention_days")

    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index("ix_training_records_user")
        batch_op.drop_index("ix_training_records_organisation_recorded")
        batch_op.drop_index("ix_training_records_keep_until")

    op.drop_table("training_records")
