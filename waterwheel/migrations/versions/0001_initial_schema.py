"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 00:45:07.493276
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import waterwheel.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "global_stash",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_global_stash")),
    )
    op.create_table(
        "project",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("name", name=op.f("uq_project_name")),
    )
    op.create_table(
        "worker",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("addr", sa.String(length=255), nullable=False),
        sa.Column(
            "last_seen_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("running_tasks", sa.Integer(), nullable=False),
        sa.Column("total_tasks", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker")),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("raw_definition", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_job_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_job_project_id")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_project_id"), ["project_id"], unique=False)

    op.create_table(
        "project_stash",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_stash_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "name", name=op.f("pk_project_stash")),
    )
    op.create_table(
        "job_stash",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column(
            "trigger_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_stash_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "trigger_datetime", "name", name=op.f("pk_job_stash")),
    )
    op.create_table(
        "task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("retry_max_attempts", sa.Integer(), nullable=True),
        sa.Column("retry_delay_secs", sa.BigInteger(), nullable=True),
        sa.Column("retry_backoff", sa.String(length=16), nullable=False),
        sa.Column("retry_max_delay_secs", sa.BigInteger(), nullable=True),
        sa.Column("timeout_secs", sa.BigInteger(), nullable=True),
        sa.Column("image", sa.String(length=1024), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("env", sa.JSON(), nullable=True),
        sa.Column("command", sa.JSON(), nullable=True),
        sa.Column("queue", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_task_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint("job_id", "name", name=op.f("uq_task_job_id")),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_job_id"), ["job_id"], unique=False)

    op.create_table(
        "trigger",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("start_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "earliest_trigger_datetime",
            waterwheel.db.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "latest_trigger_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("period", sa.BigInteger(), nullable=True),
        sa.Column("cron", sa.String(length=255), nullable=True),
        sa.Column("trigger_offset", sa.BigInteger(), nullable=False),
        sa.Column("catchup", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_trigger_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger")),
        sa.UniqueConstraint("job_id", "name", name=op.f("uq_trigger_job_id")),
    )
    with op.batch_alter_table("trigger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trigger_job_id"), ["job_id"], unique=False)

    op.create_table(
        "scheduler",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "last_seen_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("queued_triggers", sa.Integer(), nullable=False),
        sa.Column("waiting_for_trigger_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["waiting_for_trigger_id"],
            ["trigger.id"],
            name=op.f("fk_scheduler_waiting_for_trigger_id_trigger"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler")),
    )
    op.create_table(
        "task_edge",
        sa.Column("parent_task_id", sa.Uuid(), nullable=False),
        sa.Column("child_task_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("edge_offset", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_task_id"],
            ["task.id"],
            name=op.f("fk_task_edge_child_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_task_id"],
            ["task.id"],
            name=op.f("fk_task_edge_parent_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "parent_task_id", "child_task_id", "kind", name=op.f("pk_task_edge")
        ),
    )
    with op.batch_alter_table("task_edge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_edge_child_task_id"), ["child_task_id"], unique=False
        )

    op.create_table(
        "task_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column(
            "trigger_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "queued_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "started_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("finish_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("worker_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_task_run_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_run")),
    )
    with op.batch_alter_table("task_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_run_state_finish", ["state", "finish_datetime", "task_id"], unique=False
        )
        batch_op.create_index(
            "ix_task_run_task_trigger", ["task_id", "trigger_datetime"], unique=False
        )
        batch_op.create_index(
            "ix_task_run_worker_started", ["worker_id", "started_datetime"], unique=False
        )

    op.create_table(
        "token",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column(
            "trigger_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_token_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "trigger_datetime", name=op.f("pk_token")),
    )
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_token_trigger_datetime"), ["trigger_datetime"], unique=False
        )

    op.create_table(
        "trigger_edge",
        sa.Column("trigger_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("edge_offset", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_trigger_edge_task_id_task"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["trigger.id"],
            name=op.f("fk_trigger_edge_trigger_id_trigger"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trigger_id", "task_id", name=op.f("pk_trigger_edge")),
    )
    with op.batch_alter_table("trigger_edge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trigger_edge_task_id"), ["task_id"], unique=False)

    op.create_table(
        "retry",
        sa.Column("task_run_id", sa.Uuid(), nullable=False),
        sa.Column(
            "retry_at_datetime", waterwheel.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["task_run_id"],
            ["task_run.id"],
            name=op.f("fk_retry_task_run_id_task_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_run_id", name=op.f("pk_retry")),
    )
    with op.batch_alter_table("retry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retry_retry_at_datetime"), ["retry_at_datetime"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("retry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retry_retry_at_datetime"))

    op.drop_table("retry")
    with op.batch_alter_table("trigger_edge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_edge_task_id"))

    op.drop_table("trigger_edge")
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_trigger_datetime"))

    op.drop_table("token")
    with op.batch_alter_table("task_run", schema=None) as batch_op:
        batch_op.drop_index("ix_task_run_worker_started")
        batch_op.drop_index("ix_task_run_task_trigger")
        batch_op.drop_index("ix_task_run_state_finish")

    op.drop_table("task_run")
    with op.batch_alter_table("task_edge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_edge_child_task_id"))

    op.drop_table("task_edge")
    op.drop_table("scheduler")
    with op.batch_alter_table("trigger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_job_id"))

    op.drop_table("trigger")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_job_id"))

    op.drop_table("task")
    op.drop_table("job_stash")
    op.drop_table("project_stash")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_project_id"))

    op.drop_table("job")
    op.drop_table("worker")
    op.drop_table("project")
    op.drop_table("global_stash")
