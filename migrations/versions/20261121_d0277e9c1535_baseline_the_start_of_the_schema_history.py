"""Baseline: the start of the schema history

Revision ID: d0277e9c1535
Revises: 
Created: 2026-11-21 05:40:52.255539
"""


revision = 'd0277e9c1535'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
