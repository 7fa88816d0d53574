"""erased accounts' stand-ins and erased certificates

Revision ID: e7547a6e139f
Revises: 5ebe1a15c6f6
Created: 2026-11-21 11:35:35.968100
"""

import sqlalchemy as sa
from alembic import op

revision = 'e7547a6e139f'
down_revision = '5ebe1a15c6f6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

