"""moderation: the audit log, what each action touched, locked comment threads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): on SQLite a batch would copy the table and
    # lose the full-text triggers written by hand in 0001.
    op.add_column('submissions', sa.Column('comments_locked', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))
    op.create_index('ix_submissions_queue', 'submissions', ['status', 'created_at', 'id'],
                    unique=False)
    op.create_index('ix_comments_queue', 'comments', ['status', 'created_at', 'id'],
                    unique=False)

    op.create_table('moderation_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('merge_into', sa.Integer(), nullable=True),
    sa.Column('undo', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], name=op.f('fk_moderation_actions_moderator_id_users')),
    sa.ForeignKeyConstraint(['undone_by'], ['users.id'], name=op.f('fk_moderation_actions_undone_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_actions'))
    )
    op.create_index('ix_moderation_actions_moderator', 'moderation_actions',
                    ['moderator_id', 'id'], unique=False)
    op.create_index('ix_moderation_actions_action', 'moderation_actions', ['action', 'id'],
                    unique=False)

    op.create_table('moderation_targets',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['moderation_actions.id'], name=op.f('fk_moderation_targets_action_id_moderation_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_moderation_targets_challenge_id_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'target_type', 'target_id', name=op.f('pk_moderation_targets'))
    )
    op.create_index('ix_moderation_targets_item', 'moderation_targets',
                    ['target_type', 'target_id', 'action_id'], unique=False)
    op.create_index('ix_moderation_targets_challenge', 'moderation_targets',
                    ['challenge_id', 'action_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_moderation_targets_challenge', table_name='moderation_targets')
    op.drop_index('ix_moderation_targets_item', table_name='moderation_targets')
    op.drop_table('moderation_targets')
    op.drop_index('ix_moderation_actions_action', table_name='moderation_actions')
    op.drop_index('ix_moderation_actions_moderator', table_name='moderation_actions')
    op.drop_table('moderation_actions')
    op.drop_index('ix_comments_queue', table_name='comments')
    op.drop_index('ix_submissions_queue', table_name='submissions')
    # SQLite (3.35+) drops a column in place; a batch copy would lose the FTS triggers.
    op.execute('ALTER TABLE submissions DROP COLUMN comments_locked')
