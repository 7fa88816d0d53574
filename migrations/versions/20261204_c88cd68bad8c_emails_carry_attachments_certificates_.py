"""emails carry attachments; certificates remember expiry emails and name corrections

Revision ID: c88cd68bad8c
Revises: 22959cae7675
Created: 2026-12-04 17:50:31.498481
"""

import sqlalchemy as sa
from alembic import op

revision = "c88cd68bad8c"
down_revision = "22959cae7675"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_name_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("previous_name", sa.String(length=200), nullable=False),
        sa.Column("new_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_name_changes_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_name_changes_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_name_changes")),
    )
    with op.batch_alter_table("certificate_name_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_name_changes_certificate_id"),
            ["certificate_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_name_changes_changed_by_id"), ["changed_by_id"], unique=False
        )

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expiry_reminder_sent_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("expired_notice_sent_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_kind", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("attachment_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("attachment_key")
        batch_op.drop_column("attachment_kind")

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("expired_notice_sent_at")
        batch_op.drop_column("expiry_reminder_sent_at")

    with op.batch_alter_table("certificate_name_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_name_changes_changed_by_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_name_changes_certificate_id"))

    op.drop_table("certificate_name_changes")
