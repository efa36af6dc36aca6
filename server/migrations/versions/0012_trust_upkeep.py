"""trust upkeep: who is publishing a ballot log segment (so it is written in batches,
off the request path, by one instance); each submission's votes per staff group, kept
by triggers (so sort=bridging reads them instead of counting every vote)

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


    op.create_table('group_tallies',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('staff_group', sa.String(length=100), nullable=False),
    sa.Column('up', sa.Integer(), nullable=False),
    sa.Column('down', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_group_tallies_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', 'staff_group', name=op.f('pk_group_tallies'))
    )
    # The votes there are now; the triggers keep it from here on.
    op.execute("INSERT INTO group_tallies (submission_id, staff_group, up, down) "
               "SELECT v.submission_id, u.staff_group, "
               "SUM(CASE WHEN v.value = 1 THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN v.value = -1 THEN 1 ELSE 0 END) "
               "FROM votes v JOIN users u ON u.id = v.user_id "
               "WHERE u.staff_group IS NOT NULL GROUP BY v.submission_id, u.staff_group")
    statements = (_POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE)
    for statement in statements:
        op.execute(statement)


# Triggers, so that every write of votes or staff groups keeps the tallies exact in its
# own transaction: the vote routes, merges and their undo, the seeds' bulk loads, an
# account deleted (its votes go by cascade, once its row is gone: the tallies lose them
# just before). A person's group change moves their votes' tallies.

_SQLITE_ADD = """INSERT INTO group_tallies (submission_id, staff_group, up, down)
  SELECT {sid}, u.staff_group, {value} = 1, {value} = -1 FROM users u
  WHERE u.id = {uid} AND u.staff_group IS NOT NULL
  ON CONFLICT (submission_id, staff_group)
  DO UPDATE SET up = up + excluded.up, down = down + excluded.down;"""
_SQLITE_TAKE = """UPDATE group_tallies SET up = up - ({value} = 1), down = down - ({value} = -1)
  WHERE submission_id = {sid}
  AND staff_group = (SELECT staff_group FROM users WHERE id = {uid});"""
_SQLITE_MOVE_OUT = """UPDATE group_tallies SET
  up = up - (SELECT COUNT(*) FROM votes v WHERE v.user_id = OLD.id
             AND v.submission_id = group_tallies.submission_id AND v.value = 1),
  down = down - (SELECT COUNT(*) FROM votes v WHERE v.user_id = OLD.id
                 AND v.submission_id = group_tallies.submission_id AND v.value = -1)
  WHERE staff_group = OLD.staff_group
  AND submission_id IN (SELECT submission_id FROM votes WHERE user_id = OLD.id);"""
_SQLITE = (
    "CREATE TRIGGER group_tallies_vote_insert AFTER INSERT ON votes BEGIN "
    + _SQLITE_ADD.format(sid="NEW.submission_id", value="NEW.value", uid="NEW.user_id")
    + " END",
    "CREATE TRIGGER group_tallies_vote_delete AFTER DELETE ON votes BEGIN "
    + _SQLITE_TAKE.format(sid="OLD.submission_id", value="OLD.value", uid="OLD.user_id")
    + " END",
    "CREATE TRIGGER group_tallies_vote_update AFTER UPDATE OF user_id, submission_id, value "
    "ON votes BEGIN "
    + _SQLITE_TAKE.format(sid="OLD.submission_id", value="OLD.value", uid="OLD.user_id")
    + _SQLITE_ADD.format(sid="NEW.submission_id", value="NEW.value", uid="NEW.user_id")
    + " END",
    "CREATE TRIGGER group_tallies_user_group AFTER UPDATE OF staff_group ON users "
    "WHEN OLD.staff_group IS NOT NEW.staff_group BEGIN " + _SQLITE_MOVE_OUT
    + """ INSERT INTO group_tallies (submission_id, staff_group, up, down)
  SELECT v.submission_id, NEW.staff_group, v.value = 1, v.value = -1 FROM votes v
  WHERE v.user_id = NEW.id AND NEW.staff_group IS NOT NULL
  ON CONFLICT (submission_id, staff_group)
  DO UPDATE SET up = up + excluded.up, down = down + excluded.down; END""",
    "CREATE TRIGGER group_tallies_user_delete BEFORE DELETE ON users "
    "WHEN OLD.staff_group IS NOT NULL BEGIN " + _SQLITE_MOVE_OUT + " END",
)

_POSTGRESQL = (
    """CREATE FUNCTION group_tallies_add(sid integer, grp varchar, d_up integer,
                                      d_down integer) RETURNS void AS $$
BEGIN
  IF grp IS NULL THEN RETURN; END IF;
  INSERT INTO group_tallies (submission_id, staff_group, up, down)
  VALUES (sid, grp, d_up, d_down)
  ON CONFLICT (submission_id, staff_group) DO UPDATE
  SET up = group_tallies.up + EXCLUDED.up, down = group_tallies.down + EXCLUDED.down;
END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION group_tallies_votes() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    -- Only ever subtracts from the row the vote added: never inserts, as the
    -- submission may be going too (a challenge deleted cascades to its votes).
    UPDATE group_tallies SET up = up - (OLD.value = 1)::int, down = down - (OLD.value = -1)::int
    WHERE submission_id = OLD.submission_id
      AND staff_group = (SELECT staff_group FROM users WHERE id = OLD.user_id);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    PERFORM group_tallies_add(NEW.submission_id,
      (SELECT staff_group FROM users WHERE id = NEW.user_id),
      (NEW.value = 1)::int, (NEW.value = -1)::int);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    # In (submission, group) order: two people's group changes lock the rows they share
    # in the same order, so they never deadlock.
    """CREATE FUNCTION group_tallies_users() RETURNS trigger AS $$
DECLARE
  r record;
  moved_to varchar := CASE WHEN TG_OP = 'UPDATE' THEN NEW.staff_group END;
BEGIN
  FOR r IN SELECT v.submission_id AS sid, g.grp, g.sign * (v.value = 1)::int AS d_up,
                  g.sign * (v.value = -1)::int AS d_down
           FROM votes v CROSS JOIN (VALUES (OLD.staff_group, -1), (moved_to, 1)) AS g(grp, sign)
           WHERE v.user_id = OLD.id AND g.grp IS NOT NULL
           ORDER BY v.submission_id, g.grp LOOP
    PERFORM group_tallies_add(r.sid, r.grp, r.d_up, r.d_down);
  END LOOP;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER group_tallies_votes AFTER INSERT OR DELETE OR UPDATE OF user_id, "
    "submission_id, value ON votes FOR EACH ROW EXECUTE FUNCTION group_tallies_votes()",
    "CREATE TRIGGER group_tallies_user_group AFTER UPDATE OF staff_group ON users "
    "FOR EACH ROW WHEN (OLD.staff_group IS DISTINCT FROM NEW.staff_group) "
    "EXECUTE FUNCTION group_tallies_users()",
    "CREATE TRIGGER group_tallies_user_delete BEFORE DELETE ON users FOR EACH ROW "
    "WHEN (OLD.staff_group IS NOT NULL) EXECUTE FUNCTION group_tallies_users()",
)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER group_tallies_user_delete ON users")
        op.execute("DROP TRIGGER group_tallies_user_group ON users")
        op.execute("DROP TRIGGER group_tallies_votes ON votes")
        op.execute("DROP FUNCTION group_tallies_users()")
        op.execute("DROP FUNCTION group_tallies_votes()")
        op.execute("DROP FUNCTION group_tallies_add(integer, varchar, integer, integer)")
    else:
        for name in ("user_delete", "user_group", "vote_update", "vote_delete", "vote_insert"):
            op.execute(f"DROP TRIGGER group_tallies_{name}")
    op.drop_table('group_tallies')
    op.drop_table('ballot_publishing')
