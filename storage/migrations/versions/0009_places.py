"""places: check-in codes per place; how each attendance's presence was shown

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_key', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('poster_pdf', sa.String(length=255), nullable=True),
    sa.Column('poster_png', sa.String(length=255), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('radius', sa.Integer(), server_default=sa.text('150'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_places_group_id_groups'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_places_token_hash'))
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index('uq_places_group_name', ['group_id', 'name_key'], unique=True)
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('checkout_source', sa.String(length=16), nullable=True))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_consent', sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('location_consent')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_column('checkout_source')
        batch_op.drop_column('checkin_source')
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index('uq_places_group_name')
    op.drop_table('places')
