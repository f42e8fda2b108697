"""several instances: the per-member limit and the acknowledgement windows shared; a send
slot taken in one call (PostgreSQL)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# storage.sendslots.take in one round trip: the lock, then each query with a snapshot taken
# after it (a volatile function's queries see what committed before they began).
TAKE_SEND_SLOT = """
CREATE OR REPLACE FUNCTION take_send_slot(
    chat bigint, every double precision, group_limit integer, group_seconds double precision,
    group_margin double precision, lock_key bigint
) RETURNS TABLE (reserved boolean, wait double precision)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_ timestamptz;
    counted integer;
    oldest timestamptz;
    last_ timestamptz;
    at_ timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    now_ := clock_timestamp();
    IF chat IS NOT NULL THEN
        SELECT count(*), min(r.at) INTO counted, oldest FROM (
            SELECT s.at FROM send_slots s
            WHERE s.scope = chat AND s.at > now_ - make_interval(secs => group_seconds)
            ORDER BY s.at DESC LIMIT group_limit
        ) r;
        IF counted >= group_limit THEN
            RETURN QUERY SELECT false, greatest(extract(epoch FROM
                oldest + make_interval(secs => group_seconds + group_margin) - now_)::double
                precision, 0.001::double precision);
            RETURN;
        END IF;
    END IF;
    SELECT max(s.at) INTO last_ FROM send_slots s WHERE s.scope = 0;
    at_ := greatest(now_, last_ + make_interval(secs => every));
    INSERT INTO send_slots (scope, at) VALUES (0, at_);
    IF chat IS NOT NULL THEN
        INSERT INTO send_slots (scope, at) VALUES (chat, at_);
    END IF;
    RETURN QUERY SELECT true, extract(epoch FROM at_ - now_)::double precision;
END
$$
"""


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE_SEND_SLOT)
    op.create_table('member_buckets',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('warned', sa.Boolean(), nullable=False),
    sa.Column('dropped', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'user_id')
    )
    op.create_table('ack_windows',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('thread_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('quiet_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'thread_id', 'kind')
    )


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS take_send_slot")
    op.drop_table('ack_windows')
    op.drop_table('member_buckets')
