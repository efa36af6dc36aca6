"""develop phase: a phase may allow the develop stage (guide entries edited, pledged to)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a server default: existing phases do not allow it.
    op.add_column('phases', sa.Column('develop', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('phases') as batch:
        batch.drop_column('develop')
