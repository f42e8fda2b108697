"""organisations, recognition, the points passbook, training, commendations, evaluations, the rewards catalogue

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=True),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations'))
    )
    op.create_table('org_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opening_minutes', sa.Integer(), nullable=False),
    sa.Column('opening_as_of', sa.Date(), nullable=True),
    sa.Column('opening_source', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_org_members_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_org_members_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_members'))
    )
    with op.batch_alter_table('org_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_org_members_org_number', ['org_id', 'number'], unique=True)
        batch_op.create_index('uq_org_members_org_person', ['org_id', 'person_id'], unique=True)

    op.create_table('org_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_org_staff_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_org_staff_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_staff'))
    )
    with op.batch_alter_table('org_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_staff_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_org_staff_org_person', ['org_id', 'person_id'], unique=True)

    op.create_table('org_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'joined', 'declined', name='teamstatus', native_enum=False, length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_org_teams_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_org_teams_org_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_teams'))
    )
    with op.batch_alter_table('org_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_teams_org_id'), ['org_id'], unique=False)
        batch_op.create_index('uq_org_teams_live_group', ['group_id'], unique=True, sqlite_where=sa.text("status IN ('pending', 'joined')"), postgresql_where=sa.text("status IN ('pending', 'joined')"))

    op.create_table('org_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('join', 'staff', name='tokenkind', native_enum=False, length=16), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_org_tokens_org_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_tokens')),
    sa.UniqueConstraint('token', name=op.f('uq_org_tokens_token'))
    )
    op.create_table('star_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('announce', sa.Boolean(), nullable=False),
    sa.Column('announced_in', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_star_levels_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_star_levels_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_star_levels'))
    )
    with op.batch_alter_table('star_levels', schema=None) as batch_op:
        batch_op.create_index('uq_star_levels_scope', ['scope', 'person_id', 'level'], unique=True)

    op.create_table('points_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('earned', 'corrected', 'bonus', 'redeemed', 'moved_out', 'moved_in', name='pointskind', native_enum=False, length=16), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['attendance_id'], ['attendances.id'], name=op.f('fk_points_entries_attendance_id_attendances'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_points_entries_report_id_reports'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_points_entries_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_points_entries_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entries'))
    )
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.create_index('ix_points_entries_scope_person', ['scope', 'person_id'], unique=False)

    op.create_table('commendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('by', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_commendations_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_commendations_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendations'))
    )
    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commendations_person_id'), ['person_id'], unique=False)

    op.create_table('correction_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'rejected', name='requeststatus', native_enum=False, length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_correction_requests_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_correction_requests_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_requests'))
    )
    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_requests_person_id'), ['person_id'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'good', 'pass', name='grade', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('by', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_evaluations_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_evaluations_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_evaluations_group_person_period', ['group_id', 'person_id', 'period'], unique=True)

    op.create_table('trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('by', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_trainings_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_trainings_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainings_person_id'), ['person_id'], unique=False)

    op.create_table('reward_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_items'))
    )
    with op.batch_alter_table('reward_items', schema=None) as batch_op:
        batch_op.create_index('ix_reward_items_scope', ['scope'], unique=False)

    op.create_table('reward_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'rejected', name='requeststatus', native_enum=False, length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_reward_requests_group_id_groups'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['reward_items.id'], name=op.f('fk_reward_requests_item_id_reward_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reward_requests_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_requests'))
    )
    with op.batch_alter_table('reward_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_requests_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credited', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('unsettled', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.create_index('ix_attendances_unsettled', ['unsettled'], unique=False, sqlite_where=sa.text('unsettled'), postgresql_where=sa.text('unsettled'))

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credited', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.create_index('ix_reports_uncredited', ['credited'], unique=False, sqlite_where=sa.text('NOT credited'), postgresql_where=sa.text('NOT credited'))
    # Reports filed before this revision earn no bonus (the rule did not exist then).
    op.execute("UPDATE reports SET credited = true")

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.drop_column('volunteer_number')  # never set: numbers are per organisation

    # Hours kept before this revision earn their points (and star levels) at the next sweep.
    op.execute(
        "UPDATE attendances SET unsettled = true "
        "WHERE is_open = false AND voided = false AND confirmed = true AND minutes > 0"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_uncredited', sqlite_where=sa.text('NOT credited'), postgresql_where=sa.text('NOT credited'))
        batch_op.drop_column('credited')
    with op.batch_alter_table('reward_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_requests_person_id'))

    op.drop_table('reward_requests')
    with op.batch_alter_table('reward_items', schema=None) as batch_op:
        batch_op.drop_index('ix_reward_items_scope')

    op.drop_table('reward_items')
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainings_person_id'))

    op.drop_table('trainings')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index('uq_evaluations_group_person_period')
        batch_op.drop_index(batch_op.f('ix_evaluations_person_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_requests_person_id'))

    op.drop_table('correction_requests')
    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commendations_person_id'))

    op.drop_table('commendations')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volunteer_number', sa.VARCHAR(length=32), nullable=True))
        batch_op.drop_column('hidden')

    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index('ix_attendances_unsettled', sqlite_where=sa.text('unsettled'), postgresql_where=sa.text('unsettled'))
        batch_op.drop_column('unsettled')
        batch_op.drop_column('credited')

    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_points_entries_scope_person')

    op.drop_table('points_entries')
    with op.batch_alter_table('star_levels', schema=None) as batch_op:
        batch_op.drop_index('uq_star_levels_scope')

    op.drop_table('star_levels')
    op.drop_table('org_tokens')
    with op.batch_alter_table('org_teams', schema=None) as batch_op:
        batch_op.drop_index('uq_org_teams_live_group', sqlite_where=sa.text("status IN ('pending', 'joined')"), postgresql_where=sa.text("status IN ('pending', 'joined')"))
        batch_op.drop_index(batch_op.f('ix_org_teams_org_id'))

    op.drop_table('org_teams')
    with op.batch_alter_table('org_staff', schema=None) as batch_op:
        batch_op.drop_index('uq_org_staff_org_person')
        batch_op.drop_index(batch_op.f('ix_org_staff_person_id'))

    op.drop_table('org_staff')
    with op.batch_alter_table('org_members', schema=None) as batch_op:
        batch_op.drop_index('uq_org_members_org_person')
        batch_op.drop_index('uq_org_members_org_number')
        batch_op.drop_index(batch_op.f('ix_org_members_person_id'))

    op.drop_table('org_members')
    op.drop_table('organisations')
