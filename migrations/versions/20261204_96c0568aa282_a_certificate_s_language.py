"""a certificate's language

Revision ID: 96c0568aa282
Revises: 15ece4c1c665
Created: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '96c0568aa282'
down_revision = '15ece4c1c665'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('language')

