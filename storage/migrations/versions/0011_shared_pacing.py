"""several instances: the per-member limit and the acknowledgement windows shared

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


def upgrade() -> None:
    """Upgrade schema."""
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
    op.drop_table('ack_windows')
    op.drop_table('member_buckets')
