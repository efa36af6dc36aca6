"""guide: the develop stage's entries, kept versions, contributors, sources, pledges,
comments, and each challenge's guide publication

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('guide_publications',
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_guide_publications_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_guide_publications_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('challenge_id', name=op.f('pk_guide_publications'))
    )
    op.create_table('guide_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('theme', sa.String(length=60), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('mod_status', sa.String(length=16), nullable=False),
    sa.Column('mod_reason', sa.Text(), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_guide_entries_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_guide_entries_lead_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['removed_by'], ['users.id'], name=op.f('fk_guide_entries_removed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_guide_entries_submission_id_submissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_entries'))
    )
    op.create_index('ix_guide_entries_order', 'guide_entries', ['challenge_id', 'position', 'id'], unique=False)
    op.create_index('ix_guide_entries_queue', 'guide_entries', ['mod_status', 'held_at', 'id'], unique=False)

    op.create_table('guide_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_guide_comments_author_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['guide_entries.id'], name=op.f('fk_guide_comments_entry_id_guide_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_comments'))
    )
    op.create_index('ix_guide_comments_author', 'guide_comments', ['author_id'], unique=False)
    op.create_index('ix_guide_comments_queue', 'guide_comments', ['status', 'created_at', 'id'], unique=False)
    op.create_index('ix_guide_comments_thread', 'guide_comments', ['entry_id', 'status', 'id'], unique=False)

    op.create_table('guide_contributors',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['guide_entries.id'], name=op.f('fk_guide_contributors_entry_id_guide_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_guide_contributors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'user_id', name=op.f('pk_guide_contributors'))
    )
    op.create_index('ix_guide_contributors_user', 'guide_contributors', ['user_id', 'entry_id'], unique=False)

    op.create_table('guide_entry_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('theme', sa.String(length=60), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_guide_entry_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['guide_entries.id'], name=op.f('fk_guide_entry_versions_entry_id_guide_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_entry_versions')),
    sa.UniqueConstraint('entry_id', 'version', name=op.f('uq_guide_entry_versions_entry_id'))
    )
    op.create_table('guide_pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['guide_entries.id'], name=op.f('fk_guide_pledges_entry_id_guide_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_guide_pledges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_pledges')),
    sa.UniqueConstraint('entry_id', 'user_id', name=op.f('uq_guide_pledges_entry_id'))
    )
    op.create_index('ix_guide_pledges_user', 'guide_pledges', ['user_id'], unique=False)

    op.create_table('guide_sources',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['guide_entries.id'], name=op.f('fk_guide_sources_entry_id_guide_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_guide_sources_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'submission_id', name=op.f('pk_guide_sources'))
    )
    op.create_index('ix_guide_sources_submission', 'guide_sources', ['submission_id', 'entry_id'], unique=False)


def downgrade() -> None:
    for table in ('guide_sources', 'guide_pledges', 'guide_entry_versions',
                  'guide_contributors', 'guide_comments', 'guide_entries',
                  'guide_publications'):
        op.drop_table(table)  # their indexes go with them
