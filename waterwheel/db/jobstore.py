"""Writing a job document into the database, and deleting jobs.

A document replaces the job as a whole, in the caller's transaction: triggers
left out are deleted, tasks left out are kept inactive (their history stays
readable) with their edges removed, and every edge into the document's tasks is
rebuilt from its references. Identity is the job's uuid and, within a job, the
trigger or task name, as in the original. A document that would close a cycle
of tasks without a positive offset is refused (see ``cycles``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from waterwheel.db.cycles import check_no_zero_offset_cycle
from waterwheel.db.job_access import JobAccess, job_access
from waterwheel.db.models import Job, Project, Task, TaskEdge, Trigger, TriggerEdge
from waterwheel.graph import EdgeKind, NodeKind
from waterwheel.jobdoc import JobSpec, Reference, TaskSpec


class JobConflict(Exception):
    """Another job of the project already has this name, or what the save was
    authorized for changed meanwhile."""


class ResolveError(ValueError):
    """A reference or the project names something that does not exist."""


@dataclass
class SavedJob:
    job_id: uuid.UUID
    created: bool
    trigger_ids: list[uuid.UUID] = field(default_factory=list)  # kept, new and deleted
    task_ids: list[uuid.UUID] = field(default_factory=list)  # kept, new and deactivated


def save_job(session: Session, spec: JobSpec, authorized: JobAccess | None = None) -> SavedJob:
    """Write the job; ``authorized`` is what the caller's decisions were made
    about (see ``job_access``): the save is refused when that has changed."""
    if authorized is not None and job_access(session, spec) != authorized:
        raise JobConflict("the job or a job it references changed meanwhile: send it again")
    project = session.scalar(select(Project).where(Project.name == spec.project))
    if project is None:
        raise ResolveError(f"project: project '{spec.project}' not found")
    clash = session.scalar(
        select(Job.id).where(
            Job.project_id == project.id, Job.name == spec.name, Job.id != spec.uuid
        )
    )
    if clash is not None:
        raise JobConflict(f"a job named '{spec.name}' already exists in project '{spec.project}'")

    job = session.get(Job, spec.uuid)
    created = job is None
    if job is None:
        job = Job(id=spec.uuid, paused=bool(spec.paused))
        session.add(job)
    elif spec.paused is not None:
        job.paused = spec.paused
    job.project_id = project.id
    job.name = spec.name
    job.description = spec.description
    job.raw_definition = spec.raw_definition

    saved = SavedJob(job_id=job.id, created=created)
    triggers = _save_triggers(session, job, spec, saved)
    tasks = _save_tasks(session, job, spec, saved)
    session.flush()
    _rebuild_edges(session, spec, project, job, triggers, tasks)
    check_no_zero_offset_cycle(session, [task.id for task in tasks.values()])
    return saved


def _save_triggers(
    session: Session, job: Job, spec: JobSpec, saved: SavedJob
) -> dict[str, Trigger]:
    existing = {t.name: t for t in session.scalars(select(Trigger).where(Trigger.job_id == job.id))}
    kept: dict[str, Trigger] = {}
    for t in spec.triggers:
        row = existing.pop(t.name, None)
        if row is None:
            row = Trigger(id=uuid.uuid4(), job_id=job.id, name=t.name)
            session.add(row)
        # earliest/latest fired datetimes survive an update: they drive catch-up.
        row.start_datetime = t.start
        row.end_datetime = t.end
        row.period = t.period
        row.cron = t.cron
        row.trigger_offset = t.offset
        row.catchup = t.catchup
        kept[t.name] = row
    for gone in existing.values():
        session.delete(gone)
    saved.trigger_ids = [t.id for t in kept.values()] + [t.id for t in existing.values()]
    return kept


def _save_tasks(session: Session, job: Job, spec: JobSpec, saved: SavedJob) -> dict[str, Task]:
    existing = {t.name: t for t in session.scalars(select(Task).where(Task.job_id == job.id))}
    kept: dict[str, Task] = {}
    for t in spec.tasks:
        row = existing.pop(t.name, None)
        if row is None:
            row = Task(id=uuid.uuid4(), job_id=job.id, name=t.name)
            session.add(row)
        _apply_task(row, t)
        kept[t.name] = row
    removed = [t for t in existing.values() if t.active]
    for row in removed:
        row.active = False
    if removed:
        ids = [t.id for t in removed]
        session.execute(delete(TriggerEdge).where(TriggerEdge.task_id.in_(ids)))
        session.execute(
            delete(TaskEdge).where(
                or_(TaskEdge.parent_task_id.in_(ids), TaskEdge.child_task_id.in_(ids))
            )
        )
    saved.task_ids = [t.id for t in kept.values()] + [t.id for t in removed]
    return kept


def _apply_task(row: Task, spec: TaskSpec) -> None:
    row.active = True
    row.threshold = spec.threshold
    row.retry_max_attempts = spec.retry.max_attempts if spec.retry else None
    row.retry_delay_secs = spec.retry.delay if spec.retry else None
    row.retry_backoff = spec.retry.backoff if spec.retry else "fixed"
    row.retry_max_delay_secs = spec.retry.max_delay if spec.retry else None
    row.queue = spec.queue
    row.trigger_rule = spec.trigger_rule
    row.skip_exit_code = spec.skip_exit_code
    row.fail_exit_code = spec.fail_exit_code
    row.project_stash_write = list(spec.project_stash_write) or None
    row.timeout_secs = spec.timeout
    row.image = spec.docker.image if spec.docker else None
    row.args = list(spec.docker.args) if spec.docker else []
    row.env = list(spec.docker.env) if spec.docker and spec.docker.env is not None else None
    row.command = list(spec.docker.command) if spec.docker and spec.docker.command else None


def _rebuild_edges(
    session: Session,
    spec: JobSpec,
    project: Project,
    job: Job,
    triggers: dict[str, Trigger],
    tasks: dict[str, Task],
) -> None:
    child_ids = [t.id for t in tasks.values()]
    if child_ids:
        session.execute(delete(TriggerEdge).where(TriggerEdge.task_id.in_(child_ids)))
        session.execute(delete(TaskEdge).where(TaskEdge.child_task_id.in_(child_ids)))
    resolver = _Resolver(session, project, job, triggers, tasks)
    trigger_edges: list[dict] = []
    task_edges: list[dict] = []
    for index, task in enumerate(spec.tasks):
        child = tasks[task.name].id
        for field_name, kind, refs in (
            ("depends", EdgeKind.SUCCESS, task.depends),
            ("depends_failure", EdgeKind.FAILURE, task.depends_failure),
        ):
            for j, ref in enumerate(refs):
                where = f"tasks[{index}].{field_name}[{j}]"
                parent = resolver.resolve(ref, where)
                if ref.kind == NodeKind.TRIGGER:
                    trigger_edges.append(
                        {"trigger_id": parent, "task_id": child, "edge_offset": ref.offset}
                    )
                else:
                    task_edges.append(
                        {
                            "parent_task_id": parent,
                            "child_task_id": child,
                            "kind": kind,
                            "edge_offset": ref.offset,
                        }
                    )
    if trigger_edges:
        session.execute(insert(TriggerEdge), trigger_edges)
    if task_edges:
        session.execute(insert(TaskEdge), task_edges)


class _Resolver:
    """Turns references into row ids: this document first, then other jobs."""

    def __init__(
        self,
        session: Session,
        project: Project,
        job: Job,
        triggers: dict[str, Trigger],
        tasks: dict[str, Task],
    ) -> None:
        self.session = session
        self.project = project
        self.job = job
        self.local = {
            NodeKind.TRIGGER: {k: v.id for k, v in triggers.items()},
            NodeKind.TASK: {k: v.id for k, v in tasks.items()},
        }

    def resolve(self, ref: Reference, where: str) -> uuid.UUID:
        project_name = ref.project or self.project.name
        job_name = ref.job or self.job.name
        if project_name == self.project.name and job_name == self.job.name:
            found = self.local[ref.kind].get(ref.name)
        else:
            found = self._other_job(project_name, job_name, ref)
        if found is None:
            raise ResolveError(f"{where}: reference '{ref.text}' not found")
        return found

    def _other_job(self, project_name: str, job_name: str, ref: Reference) -> uuid.UUID | None:
        model = Trigger if ref.kind == NodeKind.TRIGGER else Task
        query = (
            select(model.id)
            .join(Job, Job.id == model.job_id)
            .join(Project, Project.id == Job.project_id)
            .where(Project.name == project_name, Job.name == job_name, model.name == ref.name)
        )
        if model is Task:
            query = query.where(Task.active.is_(True))
        return self.session.scalar(query)


def job_trigger_and_task_ids(
    session: Session, job_ids: list[uuid.UUID]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """What schedulers and workers must forget when these jobs go."""
    triggers = session.scalars(select(Trigger.id).where(Trigger.job_id.in_(job_ids))).all()
    tasks = session.scalars(select(Task.id).where(Task.job_id.in_(job_ids))).all()
    return list(triggers), list(tasks)
