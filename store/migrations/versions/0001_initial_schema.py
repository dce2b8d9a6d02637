"""Initial schema: users, sessions, uploads, offices, versioned monthly and dispute rows, rubric versions, audit events.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 20:45:19.018209
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('scope_kind', sa.String(length=16), nullable=False),
    sa.Column('scope_value', sa.String(length=128), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('rubric_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('based_on', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_rubric_versions_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_rubric_versions_version'))
    )
    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sessions_token_hash'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=512), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('uploader_name', sa.String(length=64), nullable=False),
    sa.Column('stations', sa.Text(), nullable=False, comment='stations whose rows the file holds, joined by 、'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False, comment='stored or rejected'),
    sa.Column('monthly_new', sa.Integer(), nullable=False),
    sa.Column('monthly_replaced', sa.Integer(), nullable=False),
    sa.Column('disputes_new', sa.Integer(), nullable=False),
    sa.Column('disputes_updated', sa.Integer(), nullable=False),
    sa.Column('warnings_acknowledged', sa.Boolean(), nullable=False),
    sa.Column('problems_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_uploads_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uploads_sha256'), ['sha256'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_audit_events_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_kind'), ['kind'], unique=False)

    op.create_table('offices',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('station', sa.String(length=256), nullable=False),
    sa.Column('branch', sa.String(length=256), nullable=False),
    sa.Column('created_upload_id', sa.Integer(), nullable=False),
    sa.Column('updated_upload_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_upload_id'], ['uploads.id'], name=op.f('fk_offices_created_upload_id_uploads')),
    sa.ForeignKeyConstraint(['updated_upload_id'], ['uploads.id'], name=op.f('fk_offices_updated_upload_id_uploads')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_offices'))
    )
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offices_branch'), ['branch'], unique=False)
        batch_op.create_index(batch_op.f('ix_offices_station'), ['station'], unique=False)

    op.create_table('dispute_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.String(length=128), nullable=False),
    sa.Column('office_code', sa.String(length=64), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('risk', sa.Text(), nullable=True),
    sa.Column('complexity', sa.Text(), nullable=True),
    sa.Column('level', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('resolved_date', sa.Date(), nullable=True),
    sa.Column('follow_up_date', sa.Date(), nullable=True),
    sa.Column('party_key', sa.Text(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('replaced_by_upload_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sa.String(length=256), nullable=False),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_dispute_rows_office_code_offices')),
    sa.ForeignKeyConstraint(['replaced_by_upload_id'], ['uploads.id'], name=op.f('fk_dispute_rows_replaced_by_upload_id_uploads')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_dispute_rows_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_rows'))
    )
    with op.batch_alter_table('dispute_rows', schema=None) as batch_op:
        batch_op.create_index('ix_dispute_rows_key', ['dispute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispute_rows_office_code'), ['office_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispute_rows_upload_id'), ['upload_id'], unique=False)
        batch_op.create_index('uq_dispute_rows_current', ['dispute_id'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))

    op.create_table('monthly_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=64), nullable=False),
    sa.Column('office_name', sa.Text(), nullable=True),
    sa.Column('station', sa.Text(), nullable=True),
    sa.Column('branch', sa.Text(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('officers', sa.Float(), nullable=True),
    sa.Column('auxiliaries', sa.Float(), nullable=True),
    sa.Column('grid_workers', sa.Float(), nullable=True),
    sa.Column('households', sa.Float(), nullable=True),
    sa.Column('population', sa.Float(), nullable=True),
    sa.Column('visited_month', sa.Float(), nullable=True),
    sa.Column('visited_ytd', sa.Float(), nullable=True),
    sa.Column('community_hours', sa.Float(), nullable=True),
    sa.Column('officer_days', sa.Float(), nullable=True),
    sa.Column('alerts', sa.Float(), nullable=True),
    sa.Column('dispute_alerts', sa.Float(), nullable=True),
    sa.Column('criminal_cases', sa.Float(), nullable=True),
    sa.Column('fraud_cases', sa.Float(), nullable=True),
    sa.Column('civil_to_criminal', sa.Float(), nullable=True),
    sa.Column('officer_fam_sampled', sa.Float(), nullable=True),
    sa.Column('officer_fam_known', sa.Float(), nullable=True),
    sa.Column('resident_fam_surveyed', sa.Float(), nullable=True),
    sa.Column('resident_fam_known', sa.Float(), nullable=True),
    sa.Column('satisfaction_surveyed', sa.Float(), nullable=True),
    sa.Column('satisfaction_satisfied', sa.Float(), nullable=True),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('replaced_by_upload_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sa.String(length=256), nullable=False),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_monthly_rows_office_code_offices')),
    sa.ForeignKeyConstraint(['replaced_by_upload_id'], ['uploads.id'], name=op.f('fk_monthly_rows_replaced_by_upload_id_uploads')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_monthly_rows_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_rows'))
    )
    with op.batch_alter_table('monthly_rows', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_rows_key', ['office_code', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_monthly_rows_upload_id'), ['upload_id'], unique=False)
        batch_op.create_index('uq_monthly_rows_current', ['office_code', 'month'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))




def downgrade() -> None:

    with op.batch_alter_table('monthly_rows', schema=None) as batch_op:
        batch_op.drop_index('uq_monthly_rows_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_monthly_rows_upload_id'))
        batch_op.drop_index('ix_monthly_rows_key')

    op.drop_table('monthly_rows')
    with op.batch_alter_table('dispute_rows', schema=None) as batch_op:
        batch_op.drop_index('uq_dispute_rows_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_dispute_rows_upload_id'))
        batch_op.drop_index(batch_op.f('ix_dispute_rows_office_code'))
        batch_op.drop_index('ix_dispute_rows_key')

    op.drop_table('dispute_rows')
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offices_station'))
        batch_op.drop_index(batch_op.f('ix_offices_branch'))

    op.drop_table('offices')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_kind'))

    op.drop_table('audit_events')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_sha256'))

    op.drop_table('uploads')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_user_id'))

    op.drop_table('sessions')
    op.drop_table('rubric_versions')
    op.drop_table('users')

