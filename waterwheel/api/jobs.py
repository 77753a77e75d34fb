"""Jobs: create or replace from a document, read, pause, delete, and the
views of a job as a whole (its tasks, triggers, graph and durations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from waterwheel.api.authz import authorize
from waterwheel.api.errors import ApiError, bad_request, conflict, not_found
from waterwheel.api.lookups import counts_by_state, get_or_404, recent_counters
from waterwheel.api.request import body_priority, json_object, query_datetime, query_int
from waterwheel.api.services import services
from waterwheel.db.cycles import DependencyCycle
from waterwheel.db.job_access import JobAccess, job_access
from waterwheel.db.jobstore import JobConflict, ResolveError, job_trigger_and_task_ids, save_job
from waterwheel.db.models import (
    Job,
    Project,
    Task,
    TaskEdge,
    TaskRun,
    Token,
    Trigger,
    TriggerEdge,
)
from waterwheel.graph import EdgeKind, NodeKind
from waterwheel.jobdoc import DocumentError, JobSpec, UnsupportedMediaType, load_job
from waterwheel.scheduler.activation import start_manual_run
from waterwheel.scheduler.triggers import SKIPPING_MODES, trigger_times
from waterwheel.states import Priority, State
from waterwheel.timeutil import format_datetime, utcnow

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs")


@bp.route("", methods=["POST", "PUT"])
def save() -> ResponseReturnValue:
    try:
        spec = load_job(request.get_data(), request.headers.get("Content-Type"))
    except UnsupportedMediaType as exc:
        raise ApiError(415, str(exc)) from None
    except DocumentError as exc:
        raise bad_request(str(exc)) from None
    access = _authorize_save(spec)
    try:
        with services().db.transaction() as session:
            saved = save_job(session, spec, access)
    except (ResolveError, DependencyCycle) as exc:
        raise bad_request(str(exc)) from None
    except (JobConflict, IntegrityError) as exc:
        message = str(exc) if isinstance(exc, JobConflict) else "the job conflicts with another"
        raise conflict(message) from None
    publisher = services().publisher
    publisher.triggers_changed(saved.trigger_ids)
    publisher.task_changed(saved.task_ids)
    return "", 201


def _authorize_save(spec: JobSpec) -> JobAccess:
    """Update in the document's project and, for an existing job, in the project
    it is in now (a move needs both); Get on every other job its references
    name, asked whether that job exists or not, so that a denied caller cannot
    tell a missing name (400) from a hidden one."""
    with services().db.read() as session:
        access = job_access(session, spec)
    authorize("Update", "job", project_id=access.project_id, job_id=spec.uuid)
    if access.current_project_id not in (None, access.project_id):
        authorize("Update", "job", project_id=access.current_project_id, job_id=spec.uuid)
    for project_id, job_id in access.upstream:
        authorize("Get", "job", project_id=project_id, job_id=job_id)
    return access


@bp.get("")
def find() -> ResponseReturnValue:
    project_name, name = request.args.get("project"), request.args.get("name")
    if project_name is None or name is None:
        raise bad_request("invalid query parameter: both 'project' and 'name' are required")
    with services().db.read() as session:
        job = session.scalar(
            select(Job)
            .join(Project, Project.id == Job.project_id)
            .where(Project.name == project_name, Job.name == name)
        )
        found = (job.project_id, job.id) if job else (None, None)
        authorize("Get", "job", project_id=found[0], job_id=found[1])
        if job is None:
            raise not_found("job")
        return jsonify(
            {
                "id": job.id,
                "project_id": job.project_id,
                "name": job.name,
                "description": job.description,
                "paused": job.paused,
            }
        )


@bp.get("/<id:job_id>")
def get(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    with services().db.read() as session:
        job = get_or_404(session, Job, job_id)
        project = session.get(Project, job.project_id)
        counts = counts_by_state(session, Job.id == job_id)
        raw_definition = job.raw_definition  # deferred: read while the session is open
    return jsonify(
        {
            "id": job.id,
            "name": job.name,
            "project": project.name if project else None,
            "project_id": job.project_id,
            "description": job.description,
            "paused": job.paused,
            "raw_definition": raw_definition,
        }
        | recent_counters(counts, "active_tasks")
    )


@bp.delete("/<id:job_id>")
def remove(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Delete", "job", job_id=job_id)
    with services().db.transaction() as session:
        get_or_404(session, Job, job_id)
        trigger_ids, task_ids = job_trigger_and_task_ids(session, [job_id])
        session.execute(delete(Job).where(Job.id == job_id))
    services().publisher.triggers_changed(trigger_ids)
    services().publisher.task_changed(task_ids)
    return "", 204


@bp.get("/<id:job_id>/tasks")
def tasks(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("List", "job", job_id=job_id)
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        rows = session.execute(
            select(Task.id, Task.name)
            .where(Task.job_id == job_id, Task.active.is_(True))
            .order_by(Task.name)
            .limit(200)
        ).all()
    return jsonify([{"task_id": task_id, "name": name} for task_id, name in rows])


@bp.get("/<id:job_id>/paused")
def get_paused(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    with services().db.read() as session:
        return jsonify(get_or_404(session, Job, job_id).paused)


@bp.put("/<id:job_id>/paused")
def set_paused(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Update", "job", job_id=job_id)
    paused = json_object().get("paused")
    if not isinstance(paused, bool):
        raise bad_request("paused: expected true or false")
    with services().db.transaction() as session:
        get_or_404(session, Job, job_id).paused = paused
        trigger_ids, task_ids = job_trigger_and_task_ids(session, [job_id])
    publisher = services().publisher
    publisher.triggers_changed(trigger_ids)
    publisher.task_changed(task_ids)
    if not paused:
        publisher.job_unpaused(job_id)
    return "", 204


@bp.get("/<id:job_id>/triggers")
def triggers(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        rows = session.scalars(
            select(Trigger)
            .where(Trigger.job_id == job_id)
            .order_by(Trigger.latest_trigger_datetime.desc().nulls_first(), Trigger.name)
        ).all()
    return jsonify(
        [
            {
                "trigger_id": t.id,
                "trigger_name": t.name,
                "start_datetime": format_datetime(t.start_datetime),
                "end_datetime": format_datetime(t.end_datetime),
                "earliest_trigger_datetime": format_datetime(t.earliest_trigger_datetime),
                "latest_trigger_datetime": format_datetime(t.latest_trigger_datetime),
                "period": t.period,
                "cron": t.cron,
                "trigger_offset": t.trigger_offset,
                "catchup": t.catchup,
                "next_trigger_datetime": format_datetime(_next_time(t)),
                "catchup_skipped_through": format_datetime(t.catchup_skipped_through),
            }
            for t in rows
        ]
    )


def _next_time(trigger: Trigger) -> datetime | None:
    """The next trigger time to fire (beyond the original): the one after the
    latest fired, or for a trigger behind whose catch-up skips missed times
    (``none``, and ``latest_only``, which runs the newest of them once as it
    catches up) the next one from now."""
    times = trigger_times(trigger)
    following = times.next_time(trigger.latest_trigger_datetime)
    now = utcnow()
    behind = following is not None and times.fires_at(following) < now
    if behind and trigger.catchup in SKIPPING_MODES:
        return times.first_due_from(now)
    return following


@bp.get("/<id:job_id>/graph")
def graph(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    at = query_datetime("trigger_datetime")
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        return jsonify(_graph(session, job_id, at))


def _graph(session: Session, job_id: uuid.UUID, at: Any) -> dict[str, Any]:
    """The job's triggers and tasks, their edges, and the nodes of other jobs
    directly upstream or downstream (the original omitted the downstream ones)."""
    job_tasks = select(Task.id).where(Task.job_id == job_id, Task.active.is_(True))
    task_edges = session.scalars(
        select(TaskEdge).where(
            TaskEdge.parent_task_id.in_(job_tasks) | TaskEdge.child_task_id.in_(job_tasks)
        )
    ).all()
    trigger_edges = session.scalars(
        select(TriggerEdge).where(TriggerEdge.task_id.in_(job_tasks))
    ).all()
    task_ids = set(session.scalars(job_tasks)) | {
        i for e in task_edges for i in (e.parent_task_id, e.child_task_id)
    }
    trigger_ids = {e.trigger_id for e in trigger_edges} | set(
        session.scalars(select(Trigger.id).where(Trigger.job_id == job_id))
    )
    states: dict[uuid.UUID, str] = {}
    if at is not None and task_ids:
        states = dict(
            session.execute(
                select(Token.task_id, Token.state).where(
                    Token.task_id.in_(task_ids), Token.trigger_datetime == at
                )
            ).all()
        )
    nodes = [
        {"id": t.id, "kind": NodeKind.TRIGGER, "name": t.name, "job_id": t.job_id, "state": None}
        for t in session.scalars(
            select(Trigger).where(Trigger.id.in_(trigger_ids)).order_by(Trigger.name)
        )
    ] + [
        {
            "id": t.id,
            "kind": NodeKind.TASK,
            "name": t.name,
            "job_id": t.job_id,
            "state": states.get(t.id),
        }
        for t in session.scalars(select(Task).where(Task.id.in_(task_ids)).order_by(Task.name))
    ]
    edges = [
        {"from": e.trigger_id, "to": e.task_id, "kind": EdgeKind.TRIGGER} for e in trigger_edges
    ] + [{"from": e.parent_task_id, "to": e.child_task_id, "kind": e.kind} for e in task_edges]
    return {"nodes": nodes, "edges": edges}


@bp.get("/<id:job_id>/duration")
def duration(job_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "job", job_id=job_id)
    limit = query_int("limit", 31, maximum=1000)
    before = query_datetime("before")
    with services().db.read() as session:
        get_or_404(session, Job, job_id)
        times = (
            select(TaskRun.trigger_datetime)
            .join(Task, Task.id == TaskRun.task_id)
            .where(Task.job_id == job_id)
            .distinct()
        )
        if before is not None:
            times = times.where(TaskRun.trigger_datetime < before)
        recent = [
            row
            for row in session.scalars(times.order_by(TaskRun.trigger_datetime.desc()).limit(limit))
        ]
        rows = session.execute(
            select(
                Task.name,
                TaskRun.trigger_datetime,
                TaskRun.started_datetime,
                TaskRun.finish_datetime,
            )
            .join(Task, Task.id == TaskRun.task_id)
            .where(
                Task.job_id == job_id,
                TaskRun.trigger_datetime.in_(recent),
                TaskRun.state.in_((State.SUCCESS, State.FAILURE)),
                TaskRun.started_datetime.is_not(None),
                TaskRun.finish_datetime.is_not(None),
            )
        ).all()
    longest: dict[tuple[str, Any], float] = {}
    for name, at, started, finished in rows:
        seconds = (finished - started).total_seconds()
        longest[(name, at)] = max(seconds, longest.get((name, at), seconds))
    return jsonify(
        {
            "duration": [
                {"trigger_datetime": format_datetime(at), "duration": secs, "task_name": name}
                for (name, at), secs in sorted(longest.items())
            ]
        }
    )


@bp.post("/<id:job_id>/trigger")
def trigger_now(job_id: uuid.UUID) -> ResponseReturnValue:
    """Start a run of the job now with a ``conf``, as Airflow's manual trigger."""
    authorize("Update", "job", job_id=job_id)
    data = json_object()
    conf = data.get("conf", {})
    if not isinstance(conf, dict):
        raise bad_request("conf: expected a JSON object")
    priority = body_priority(data, Priority.NORMAL)
    with services().db.transaction() as session:
        get_or_404(session, Job, job_id)
        started = start_manual_run(session, job_id, conf)
    if started is None:
        raise conflict("the job has no task without upstream tasks to start")
    at, roots = started
    services().publisher.tokens_activated(roots, priority)
    return jsonify({"trigger_datetime": format_datetime(at)}), 201
