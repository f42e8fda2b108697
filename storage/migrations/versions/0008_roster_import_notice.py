"""roster import: the team's imported volunteer list; the certificate's public notice

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('roster_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('name_key', sa.String(length=64), nullable=False),
    sa.Column('real_name', sa.String(length=20), nullable=True),
    sa.Column('building', sa.String(length=64), nullable=True),
    sa.Column('skills', sa.String(length=200), nullable=True),
    sa.Column('tags', sa.String(length=200), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('declined_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('linked_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_roster_entries_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_roster_entries_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['declined_person_id'], ['people.id'], name=op.f('fk_roster_entries_declined_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entries'))
    )
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.create_index('uq_roster_entries_group_name', ['group_id', 'name_key'], unique=True)
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('objected_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('objected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('notice_message_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('notice_minutes', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('notice_minutes')
        batch_op.drop_column('notice_message_id')
        batch_op.drop_column('objected_at')
        batch_op.drop_column('objected_by')
        batch_op.drop_column('notice_until')
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_roster_entries_group_name')
    op.drop_table('roster_entries')
