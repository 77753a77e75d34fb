"""The tables, as SQLAlchemy 2.0 typed models.

Table and column names follow the original Waterwheel's schema. Rows that hang
off a project or job are removed with it by ``ON DELETE CASCADE`` in the
database, so a delete is one statement and never leaves orphans.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from waterwheel.db.types import UTCDateTime

# Stable constraint names let Alembic migrations refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


def _cascade(target: str) -> ForeignKey:
    return ForeignKey(target, ondelete="CASCADE")


class Project(Base):
    __tablename__ = "project"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    config: Mapped[Any | None] = mapped_column(JSON, nullable=True)


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(_cascade("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The whole document as posted: loaded only where it is read, not by every
    # lookup of a job (task definitions, claims, progress).
    raw_definition: Mapped[str] = mapped_column(Text, deferred=True)


class Trigger(Base):
    __tablename__ = "trigger"
    __table_args__ = (UniqueConstraint("job_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(_cascade("job.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    start_datetime: Mapped[datetime]
    end_datetime: Mapped[datetime | None]
    earliest_trigger_datetime: Mapped[datetime | None]
    latest_trigger_datetime: Mapped[datetime | None]
    period: Mapped[int | None] = mapped_column(BigInteger)  # seconds
    cron: Mapped[str | None] = mapped_column(String(255))
    trigger_offset: Mapped[int] = mapped_column(BigInteger, default=0)  # seconds, signed
    catchup: Mapped[str] = mapped_column(String(16), default="earliest")
    # The newest trigger time a catch-up over WATERWHEEL_MAX_CATCHUP times
    # skipped: the missed times up to it that were not run are never run.
    catchup_skipped_through: Mapped[datetime | None]


class Task(Base):
    """A task of a job. A task left out of a newer job document is kept with
    ``active`` false, so its run history stays readable, but is never scheduled."""

    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("job_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(_cascade("job.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[int] = mapped_column(Integer, default=1)
    retry_max_attempts: Mapped[int | None] = mapped_column(Integer)
    retry_delay_secs: Mapped[int | None] = mapped_column(BigInteger)
    retry_backoff: Mapped[str] = mapped_column(String(16), default="fixed")
    retry_max_delay_secs: Mapped[int | None] = mapped_column(BigInteger)
    timeout_secs: Mapped[int | None] = mapped_column(BigInteger)
    image: Mapped[str | None] = mapped_column(String(1024))
    args: Mapped[list[str]] = mapped_column(JSON, default=list)
    env: Mapped[list[str] | None] = mapped_column(JSON)
    command: Mapped[list[str] | None] = mapped_column(JSON)
    queue: Mapped[str] = mapped_column(String(200), default="default")
    trigger_rule: Mapped[str | None] = mapped_column(String(40))
    skip_exit_code: Mapped[int | None] = mapped_column(Integer)
    fail_exit_code: Mapped[int | None] = mapped_column(Integer)  # failed, no retry
    # Key prefixes the task's stash token may write in its project's stash.
    project_stash_write: Mapped[list[str] | None] = mapped_column(JSON)


class TriggerEdge(Base):
    __tablename__ = "trigger_edge"

    trigger_id: Mapped[uuid.UUID] = mapped_column(_cascade("trigger.id"), primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(_cascade("task.id"), primary_key=True, index=True)
    edge_offset: Mapped[int] = mapped_column(BigInteger, default=0)


class TaskEdge(Base):
    """``kind`` is ``EdgeKind.SUCCESS`` (from ``depends``) or ``EdgeKind.FAILURE``
    (``depends_failure``); a trigger's edges are TriggerEdge rows."""

    __tablename__ = "task_edge"

    parent_task_id: Mapped[uuid.UUID] = mapped_column(_cascade("task.id"), primary_key=True)
    child_task_id: Mapped[uuid.UUID] = mapped_column(
        _cascade("task.id"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    edge_offset: Mapped[int] = mapped_column(BigInteger, default=0)


class Token(Base):
    """The Petri-net place of one task at one trigger datetime."""

    __tablename__ = "token"

    task_id: Mapped[uuid.UUID] = mapped_column(_cascade("task.id"), primary_key=True)
    trigger_datetime: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="waiting")


class TaskRun(Base):
    """One attempt at running a task for a trigger datetime."""

    __tablename__ = "task_run"
    __table_args__ = (
        Index("ix_task_run_task_trigger", "task_id", "trigger_datetime"),
        Index("ix_task_run_state_finish", "state", "finish_datetime", "task_id"),
        Index("ix_task_run_worker_started", "worker_id", "started_datetime"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(_cascade("task.id"))
    trigger_datetime: Mapped[datetime]
    queued_datetime: Mapped[datetime]
    started_datetime: Mapped[datetime | None]
    finish_datetime: Mapped[datetime | None]
    updated_datetime: Mapped[datetime | None]
    worker_id: Mapped[uuid.UUID | None]
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    # False until the task request is on the broker: a crash between commit and
    # publish leaves it False, and the scheduler publishes it again.
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str | None] = mapped_column(Text)  # why it failed or errored


class Retry(Base):
    __tablename__ = "retry"

    task_run_id: Mapped[uuid.UUID] = mapped_column(_cascade("task_run.id"), primary_key=True)
    retry_at_datetime: Mapped[datetime] = mapped_column(index=True)


class Worker(Base):
    __tablename__ = "worker"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    addr: Mapped[str] = mapped_column(String(255), default="")
    last_seen_datetime: Mapped[datetime]
    running_tasks: Mapped[int] = mapped_column(Integer, default=0)
    total_tasks: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[str] = mapped_column(String(64), default="")


class Scheduler(Base):
    __tablename__ = "scheduler"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    last_seen_datetime: Mapped[datetime]
    queued_triggers: Mapped[int] = mapped_column(Integer, default=0)
    waiting_for_trigger_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("trigger.id", ondelete="SET NULL")
    )
    version: Mapped[str] = mapped_column(String(64), default="")


class GlobalStash(Base):
    __tablename__ = "global_stash"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ProjectStash(Base):
    __tablename__ = "project_stash"

    project_id: Mapped[uuid.UUID] = mapped_column(_cascade("project.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class JobStash(Base):
    __tablename__ = "job_stash"

    job_id: Mapped[uuid.UUID] = mapped_column(_cascade("job.id"), primary_key=True)
    trigger_datetime: Mapped[datetime] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TaskLog(Base):
    """A run's output where there is no Redis (the embedded setup): one row per
    line, then an end marker row (``line`` null, ``outcome`` and
    ``ended_datetime`` set) from which the log's retention is counted."""

    __tablename__ = "task_log"

    task_run_id: Mapped[uuid.UUID] = mapped_column(_cascade("task_run.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    line: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    ended_datetime: Mapped[datetime | None] = mapped_column(index=True)
