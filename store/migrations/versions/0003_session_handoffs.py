"""Session handoffs: the one-time links that put a new sign-in's token into the browser's cookie.

Revision ID: 0003_sessions
Revises: 0002_rubric
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_sessions'
down_revision = '0002_rubric'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('session_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_hash', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('binding_hash', sa.String(length=64), nullable=False,
              comment="SHA-256 of the browser's Streamlit XSRF token the sign-in came from"),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_handoffs_session_id_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_handoffs')),
    sa.UniqueConstraint('handoff_hash', name=op.f('uq_session_handoffs_handoff_hash'))
    )
    with op.batch_alter_table('session_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_handoffs_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('session_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_handoffs_session_id'))
    op.drop_table('session_handoffs')
