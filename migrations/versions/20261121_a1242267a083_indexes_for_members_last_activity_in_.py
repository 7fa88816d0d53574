"""Indexes for members' last activity in organisation reports

Revision ID: a1242267a083
Revises: 518369c1b304
Created: 2026-11-21 07:58:57.614468
"""

import sqlalchemy as sa
from alembic import op

revision = "a1242267a083"
down_revision = "518369c1b304"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lesson_views", schema=None) as batch_op:
        batch_op.create_index("ix_lesson_views_user_viewed", ["user_id", "viewed_at"], unique=False)

    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempts_user_submitted", ["user_id", "submitted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempts_user_submitted")

    with op.batch_alter_table("lesson_views", schema=None) as batch_op:
        batch_op.drop_index("ix_lesson_views_user_viewed")
