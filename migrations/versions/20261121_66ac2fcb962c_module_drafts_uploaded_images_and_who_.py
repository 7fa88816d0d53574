"""module drafts, uploaded images, and who published each version

Revision ID: 66ac2fcb962c
Revises: 876b65b3fb88
Created: 2026-11-21 10:50:47.907383
"""

import sqlalchemy as sa
from alembic import op

revision = '66ac2fcb962c'
down_revision = '876b65b3fb88'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_media_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_files')),
    sa.UniqueConstraint('name', name=op.f('uq_media_files_name'))
    )
    op.create_table('module_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('based_on_version_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['based_on_version_id'], ['module_versions.id'], name=op.f('fk_module_drafts_based_on_version_id_module_versions')),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_drafts_module_id_modules')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_module_drafts_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_drafts')),
    sa.UniqueConstraint('module_id', name=op.f('uq_module_drafts_module_id'))
    )
    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_module_versions_published_by_id_users'), 'users', ['published_by_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_module_versions_published_by_id_users'), type_='foreignkey')
        batch_op.drop_column('published_by_id')

    op.drop_table('module_drafts')
    op.drop_table('media_files')
