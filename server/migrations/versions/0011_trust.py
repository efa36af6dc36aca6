"""trust in the outcome (issue 15): pairwise phases and comparisons, challenge keys,
the ballot log

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('phases', sa.Column('pairwise', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.add_column('submissions', sa.Column('wins', sa.Integer(), nullable=False,
                                           server_default='0'))
    op.add_column('submissions', sa.Column('losses', sa.Integer(), nullable=False,
                                           server_default='0'))
    op.add_column('submissions', sa.Column('pairwise_score', sa.Float(), nullable=False,
                                           server_default='0.5'))
    op.create_index('ix_submissions_pairwise', 'submissions',
                    ['challenge_id', 'status', 'pairwise_score', 'id'], unique=False)
    op.create_index('ix_submissions_pairwise_kind', 'submissions',
                    ['challenge_id', 'status', 'kind', 'pairwise_score', 'id'], unique=False)
    op.create_table('comparisons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('low_id', sa.Integer(), nullable=False),
    sa.Column('high_id', sa.Integer(), nullable=False),
    sa.Column('winner_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_comparisons_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['high_id'], ['submissions.id'], name=op.f('fk_comparisons_high_id_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['low_id'], ['submissions.id'], name=op.f('fk_comparisons_low_id_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comparisons_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparisons')),
    sa.UniqueConstraint('user_id', 'low_id', 'high_id', name=op.f('uq_comparisons_user_id'))
    )
    op.create_index('ix_comparisons_challenge', 'comparisons', ['challenge_id', 'id'],
                    unique=False)
    op.create_table('challenge_keys',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_keys_challenge_id_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', 'purpose', name=op.f('pk_challenge_keys'))
    )
    op.create_table('ballot_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('phase_names', sa.Text(), nullable=False),
    sa.Column('first_line', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('manifest', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_ballot_segments_challenge_id_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_segments')),
    sa.UniqueConstraint('challenge_id', 'position', name=op.f('uq_ballot_segments_challenge_id'))
    )
    op.create_table('ballot_lines',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_ballot_lines_challenge_id_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', 'n', name=op.f('pk_ballot_lines'))
    )
    op.create_index('ix_ballot_lines_voter', 'ballot_lines', ['challenge_id', 'voter', 'n'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_ballot_lines_voter', table_name='ballot_lines')
    op.drop_table('ballot_lines')
    op.drop_table('ballot_segments')
    op.drop_table('challenge_keys')
    op.drop_index('ix_comparisons_challenge', table_name='comparisons')
    op.drop_table('comparisons')
    op.drop_index('ix_submissions_pairwise_kind', table_name='submissions')
    op.drop_index('ix_submissions_pairwise', table_name='submissions')
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('pairwise_score')
        batch.drop_column('losses')
        batch.drop_column('wins')
    with op.batch_alter_table('phases') as batch:
        batch.drop_column('pairwise')
