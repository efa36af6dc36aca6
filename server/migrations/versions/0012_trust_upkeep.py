"""trust upkeep: who is publishing a ballot log segment (so it is written in batches,
off the request path, by one instance)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ballot_publishing',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_ballot_publishing_challenge_id_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', name=op.f('pk_ballot_publishing'))
    )


def downgrade() -> None:
    op.drop_table('ballot_publishing')
