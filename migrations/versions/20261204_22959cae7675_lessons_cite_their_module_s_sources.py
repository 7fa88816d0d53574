"""Lessons cite their module's sources

A lesson keeps the ids of the sources it cites and whether it teaches facts or sets a scenario
(only a lesson that teaches facts must cite a source). Lessons of earlier versions cite nothing;
those named like a scenario (04-scenario-should-we-cancel.md) are marked as scenarios, so that
comparing an old version with a new one shows only what really changed.

Revision ID: 22959cae7675
Revises: d311cf574013
Created: 2026-12-04 13:11:57.106569
"""

import sqlalchemy as sa
from alembic import op

revision = '22959cae7675'
down_revision = 'd311cf574013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=20), server_default='facts', nullable=False)
        )
        batch_op.add_column(sa.Column('sources', sa.JSON(), server_default='[]', nullable=False))
    op.execute("UPDATE lessons SET kind = 'scenario' WHERE file_name LIKE '%-scenario-%'")


def downgrade() -> None:
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('sources')
        batch_op.drop_column('kind')
