"""Learners' last activity, kept on the account

The indexes the reports used to find it in lesson views and quiz attempts go: nothing reads them now.

Revision ID: 398d071aa94e
Revises: a1242267a083
Created: 2026-11-21 08:35:52.570377
"""

import sqlalchemy as sa
from alembic import op

revision = '398d071aa94e'
down_revision = 'a1242267a083'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempts_user_submitted")
    with op.batch_alter_table("lesson_views", schema=None) as batch_op:
        batch_op.drop_index("ix_lesson_views_user_viewed")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True))
    # Fill it from what learners have done so far: the latest lesson first read or quiz handed in.
    op.execute(
        """
        UPDATE users SET last_activity_at = (
            SELECT max(activity.at) FROM (
                SELECT viewed_at AS at FROM lesson_views WHERE lesson_views.user_id = users.id
                UNION ALL
                SELECT submitted_at FROM quiz_attempts
                WHERE quiz_attempts.user_id = users.id AND submitted_at IS NOT NULL
            ) AS activity
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_activity_at')
    with op.batch_alter_table("lesson_views", schema=None) as batch_op:
        batch_op.create_index("ix_lesson_views_user_viewed", ["user_id", "viewed_at"], unique=False)
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempts_user_submitted", ["user_id", "submitted_at"], unique=False
        )

