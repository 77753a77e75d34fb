"""fail exit codes and project-stash write prefixes on tasks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("fail_exit_code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("project_stash_write", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_column("project_stash_write")
        batch_op.drop_column("fail_exit_code")
