"""a person's language for pages and emails

Revision ID: 15ece4c1c665
Revises: 6dc63873bc64
Created: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '15ece4c1c665'
down_revision = '6dc63873bc64'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')

