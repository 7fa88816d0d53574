"""measuring learning: banks, consent, form orders and checks

Revision ID: 6dc63873bc64
Revises: 9e656f3cee5d
Created: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '6dc63873bc64'
down_revision = '9e656f3cee5d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('research_consents',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agreed', sa.Boolean(), nullable=False),
    sa.Column('follow_up_emails', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_research_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_research_consents'))
    )
    op.create_table('measurement_form_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('first_form', sa.String(length=1), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_measurement_form_orders_module_id_modules')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_measurement_form_orders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement_form_orders')),
    sa.UniqueConstraint('user_id', 'module_id', name=op.f('uq_measurement_form_orders_user_id'))
    )
    with op.batch_alter_table('measurement_form_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurement_form_orders_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_measurement_form_orders_user_id'), ['user_id'], unique=False)

    op.create_table('measurement_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('module_version_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=8), nullable=False),
    sa.Column('form', sa.String(length=1), nullable=False),
    sa.Column('skipped', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('posts', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.Column('ratings', sa.JSON(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_measurement_checks_module_id_modules')),
    sa.ForeignKeyConstraint(['module_version_id'], ['module_versions.id'], name=op.f('fk_measurement_checks_module_version_id_module_versions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_measurement_checks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement_checks')),
    sa.UniqueConstraint('user_id', 'module_id', 'phase', name=op.f('uq_measurement_checks_user_id'))
    )
    with op.batch_alter_table('measurement_checks', schema=None) as batch_op:
        batch_op.create_index('ix_measurement_checks_module_phase', ['module_id', 'phase'], unique=False)
        batch_op.create_index(batch_op.f('ix_measurement_checks_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measurement', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.drop_column('measurement')

    with op.batch_alter_table('measurement_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurement_checks_user_id'))
        batch_op.drop_index('ix_measurement_checks_module_phase')

    op.drop_table('measurement_checks')
    with op.batch_alter_table('measurement_form_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurement_form_orders_user_id'))
        batch_op.drop_index(batch_op.f('ix_measurement_form_orders_module_id'))

    op.drop_table('measurement_form_orders')
    op.drop_table('research_consents')
