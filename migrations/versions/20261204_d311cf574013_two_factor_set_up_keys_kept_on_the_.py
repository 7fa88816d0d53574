"""two-factor set-up keys kept on the server

Revision ID: d311cf574013
Revises: e7547a6e139f
Created: 2026-12-04 08:41:45.692389
"""

import sqlalchemy as sa
from alembic import op

revision = 'd311cf574013'
down_revision = 'e7547a6e139f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_setup_secret', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_setup_secret')
