"""trigger rules and skip exit codes on tasks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("trigger_rule", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("skip_exit_code", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_column("skip_exit_code")
        batch_op.drop_column("trigger_rule")
