"""record integrity: the credited span of an attendance, and voided records

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('served_from', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('served_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voided', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    # Records kept before this revision: their span is what the check-in and check-out say.
    op.execute(
        "UPDATE attendances SET served_from = checkin_at, served_until = checkout_at "
        "WHERE is_open = false AND minutes > 0"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_column('voided')
        batch_op.drop_column('served_until')
        batch_op.drop_column('served_from')
