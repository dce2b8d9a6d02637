"""Instructions from early warnings (预警指令): instructions, their history, 督办 notes, deadline settings.

Only new tables: an existing database keeps every row it holds.

Revision ID: 0004_instructions
Revises: 0003_sessions
Create Date: 2026-12-04 19:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_instructions'
down_revision = '0003_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instruction_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False, comment='SHA-256 of body'),
    sa.Column('body', sa.Text(), nullable=False, comment='the deadline settings as TOML'),
    sa.Column('author_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_settings')),
    sa.UniqueConstraint('version', name=op.f('uq_instruction_settings_version'))
    )
    op.create_index(op.f('ix_instruction_settings_digest'), 'instruction_settings', ['digest'], unique=False)
    op.create_table('instructions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=512), nullable=False, comment='stable identity: rule + dispute or office + period'),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('office_code', sa.String(length=64), nullable=False),
    sa.Column('office_name', sa.Text(), nullable=False),
    sa.Column('station', sa.String(length=256), nullable=False),
    sa.Column('branch', sa.String(length=256), nullable=False),
    sa.Column('dispute_id', sa.String(length=128), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=True),
    sa.Column('jump_column', sa.String(length=64), nullable=True),
    sa.Column('risk', sa.String(length=8), nullable=True, comment='红/黄/蓝 of the dispute, None otherwise'),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('condition_cleared', sa.Boolean(), nullable=False),
    sa.Column('first_as_of', sa.Date(), nullable=False),
    sa.Column('last_as_of', sa.Date(), nullable=False),
    sa.Column('settings_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_answer_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False, comment='optimistic concurrency: compared in every UPDATE'),
    sa.ForeignKeyConstraint(['last_answer_by'], ['users.id'], name=op.f('fk_instructions_last_answer_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructions')),
    sa.UniqueConstraint('key', name=op.f('uq_instructions_key'))
    )
    op.create_index(op.f('ix_instructions_rule'), 'instructions', ['rule'], unique=False)
    op.create_index(op.f('ix_instructions_station'), 'instructions', ['station'], unique=False)
    op.create_index(op.f('ix_instructions_status'), 'instructions', ['status'], unique=False)
    op.create_table('instruction_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('old_status', sa.String(length=16), nullable=True),
    sa.Column('new_status', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_instruction_events_actor_id_users')),
    sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'], name=op.f('fk_instruction_events_instruction_id_instructions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_events'))
    )
    op.create_index(op.f('ix_instruction_events_instruction_id'), 'instruction_events', ['instruction_id'], unique=False)
    op.create_table('instruction_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_instruction_notes_author_id_users')),
    sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'], name=op.f('fk_instruction_notes_instruction_id_instructions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_notes'))
    )
    op.create_index(op.f('ix_instruction_notes_instruction_id'), 'instruction_notes', ['instruction_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_instruction_notes_instruction_id'), table_name='instruction_notes')
    op.drop_table('instruction_notes')
    op.drop_index(op.f('ix_instruction_events_instruction_id'), table_name='instruction_events')
    op.drop_table('instruction_events')
    op.drop_index(op.f('ix_instructions_status'), table_name='instructions')
    op.drop_index(op.f('ix_instructions_station'), table_name='instructions')
    op.drop_index(op.f('ix_instructions_rule'), table_name='instructions')
    op.drop_table('instructions')
    op.drop_index(op.f('ix_instruction_settings_digest'), table_name='instruction_settings')
    op.drop_table('instruction_settings')
