"""learners' choices in branching scenarios, for the analytics

Revision ID: eb567461f7b8
Revises: 518c3c2dba6f
Created: 2026-12-04 19:06:23.732266
"""

import sqlalchemy as sa
from alembic import op

revision = "eb567461f7b8"
down_revision = "518c3c2dba6f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("lesson_slug", sa.String(length=100), nullable=False),
        sa.Column("step_id", sa.String(length=100), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_scenario_choices_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scenario_choices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_choices")),
    )
    with op.batch_alter_table("scenario_choices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scenario_choices_step",
            ["module_id", "lesson_slug", "step_id", "choice"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_scenario_choices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scenario_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_choices_user_id"))
        batch_op.drop_index("ix_scenario_choices_step")

    op.drop_table("scenario_choices")
