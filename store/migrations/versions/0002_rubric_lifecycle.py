"""Rubric versions get a life: status, first period in force, who asked, published and retired them.

Revision ID: 0002_rubric
Revises: 0001
Create Date: 2026-12-04 19:10:00

Versions saved before this revision were in force the moment they were saved — the newest one rated
every period. To change nobody's ratings, the newest saved version becomes ``published`` with no
effective period (it applies from the start, exactly as before) and every older one ``retired`` (it
was already superseded and rated nothing). Making them drafts instead would have put the shipped
default back in force and silently changed every star.
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_rubric'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='draft', nullable=False,
                                      comment='draft, pending, published or retired (metrics.rubric.STATUSES)'))
        batch_op.add_column(sa.Column('effective_from', sa.String(length=16), nullable=True,
                                      comment='first period the version applies to (2027Q1, 2027-01, 2027); '
                                              'NULL = from the start'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('requested_by_id', sa.Integer(), nullable=True,
                                      comment='the evaluator who asked to publish (pending: awaiting a second '
                                              'evaluator)'))
        batch_op.add_column(sa.Column('requested_by_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retired_by_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rubric_versions_requested_by_id_users'), 'users',
                                    ['requested_by_id'], ['id'])

    rv = sa.table('rubric_versions', sa.column('version', sa.Integer), sa.column('status', sa.String),
                  sa.column('author_name', sa.String), sa.column('created_at', sa.DateTime(timezone=True)),
                  sa.column('published_by_name', sa.String), sa.column('published_at', sa.DateTime(timezone=True)))
    newest = sa.select(sa.func.max(rv.c.version)).scalar_subquery()
    # every old version was in force from the moment it was saved: published then, by its author
    op.execute(rv.update().values(status='retired', published_by_name=rv.c.author_name, published_at=rv.c.created_at))
    op.execute(rv.update().where(rv.c.version == newest).values(status='published'))


def downgrade() -> None:
    with op.batch_alter_table('rubric_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rubric_versions_requested_by_id_users'), type_='foreignkey')
        for name in ('retired_at', 'retired_by_name', 'published_at', 'published_by_name', 'requested_at',
                     'requested_by_name', 'requested_by_id', 'updated_at', 'effective_from', 'status'):
            batch_op.drop_column(name)
