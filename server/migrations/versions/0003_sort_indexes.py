"""sort indexes over every kind: newest and most discussed without a kind filter

Without them a page of "discussed" for all kinds sorted every published submission
(32 ms on PostgreSQL at 50,000), and "new" walked the primary key past other
challenges' rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_submissions_new', 'submissions', ['challenge_id', 'status', 'id'],
                    unique=False)
    op.create_index('ix_submissions_discussed', 'submissions',
                    ['challenge_id', 'status', 'comments', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_submissions_discussed', table_name='submissions')
    op.drop_index('ix_submissions_new', table_name='submissions')
