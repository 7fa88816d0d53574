"""Question answers and indexes for module analytics

One row per question of each submitted attempt, filled from the attempts handed in so far, so that
correct rates per question count every answer without reading the snapshots. Two covering indexes
let the other figures read indexes instead of attempt rows; they start with ``module_id``, so the
single-column indexes on it go.

Revision ID: 5ebe1a15c6f6
Revises: 66ac2fcb962c
Created: 2026-11-21 11:12:51.986368
"""

import sqlalchemy as sa
from alembic import op

revision = "5ebe1a15c6f6"
down_revision = "66ac2fcb962c"
branch_labels = None
depends_on = None

#: Each question of every submitted attempt's snapshot, paired with its result (the results list
#: holds one boolean per question, in the same order). A missing result counts as wrong, as the
#: analytics counted it before.
BACKFILL = {
    "sqlite": """
        INSERT INTO question_answers (attempt_id, module_id, question_key, correct, submitted_at)
        SELECT a.id, a.module_id, json_extract(q.value, '$.key'),
               CASE WHEN json_extract(a.results, '$[' || q.key || ']') THEN 1 ELSE 0 END,
               a.submitted_at
        FROM quiz_attempts AS a, json_each(a.questions) AS q
        WHERE a.submitted_at IS NOT NULL AND json_extract(q.value, '$.key') IS NOT NULL
        ORDER BY a.id, q.key
        ON CONFLICT DO NOTHING
    """,
    "postgresql": """
        INSERT INTO question_answers (attempt_id, module_id, question_key, correct, submitted_at)
        SELECT a.id, a.module_id, q.value ->> 'key',
               coalesce((a.results::json ->> (q.position - 1)::int) = 'true', false),
               a.submitted_at
        FROM quiz_attempts AS a
        CROSS JOIN LATERAL json_array_elements(a.questions::json) WITH ORDINALITY
            AS q(value, position)
        WHERE a.submitted_at IS NOT NULL AND q.value ->> 'key' IS NOT NULL
        ORDER BY a.id, q.position
        ON CONFLICT DO NOTHING
    """,
}


def upgrade() -> None:
    op.create_table(
        "question_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=100), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_question_answers_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_question_answers_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_answers")),
        sa.UniqueConstraint(
            "attempt_id", "question_key", name=op.f("uq_question_answers_attempt_id")
        ),
    )
    # Filled before its index is built: one sort instead of an index update per row.
    op.execute(BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("question_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_question_answers_module_question",
            ["module_id", "question_key", "correct", "attempt_id"],
            unique=False,
        )

    with op.batch_alter_table("lesson_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_views_module_id"))
        batch_op.create_index(
            "ix_lesson_views_module_user", ["module_id", "user_id", "lesson_slug"], unique=False
        )

    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_module_id"))
        batch_op.create_index(
            "ix_quiz_attempts_module_progress",
            ["module_id", "user_id", "id", "passed", "submitted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempts_module_progress")
        batch_op.create_index(batch_op.f("ix_quiz_attempts_module_id"), ["module_id"], unique=False)

    with op.batch_alter_table("lesson_views", schema=None) as batch_op:
        batch_op.drop_index("ix_lesson_views_module_user")
        batch_op.create_index(batch_op.f("ix_lesson_views_module_id"), ["module_id"], unique=False)

    with op.batch_alter_table("question_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_question_answers_module_question")

    op.drop_table("question_answers")
