"""task log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import waterwheel.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_log",
        sa.Column("task_run_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("ended_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_run_id"],
            ["task_run.id"],
            name=op.f("fk_task_log_task_run_id_task_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_run_id", "seq", name=op.f("pk_task_log")),
    )
    with op.batch_alter_table("task_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_log_ended_datetime"), ["ended_datetime"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("task_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_log_ended_datetime"))

    op.drop_table("task_log")
