"""anonymous comments: a comment by an anonymous submission's author names nobody

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('comments', sa.Column('anonymous', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    # What is already there: the anonymous author's comments on their own submission.
    op.execute(
        "UPDATE comments SET anonymous = TRUE WHERE EXISTS (SELECT 1 FROM submissions s "
        "WHERE s.id = comments.submission_id AND s.anonymous AND s.author_id = comments.author_id)")


def downgrade() -> None:
    with op.batch_alter_table('comments') as batch:
        batch.drop_column('anonymous')
