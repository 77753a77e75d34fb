"""The running system: status, workers and their heartbeats, schedulers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from waterwheel.api.authz import authorize, require_config_token
from waterwheel.api.lookups import get_or_404
from waterwheel.api.request import json_object
from waterwheel.api.services import services
from waterwheel.api.worker_report import worker_id, worker_row
from waterwheel.db.models import Job, Project, Scheduler, Task, TaskRun, Trigger, Worker
from waterwheel.db.upsert import upsert
from waterwheel.timeutil import format_datetime, utcnow

bp = Blueprint("cluster", __name__)

WORKER_GONE = timedelta(minutes=15)
WORKER_HIDDEN = timedelta(hours=24)
SCHEDULER_GONE = timedelta(minutes=1)
SCHEDULER_HIDDEN = timedelta(hours=1)


def _status(last_seen, gone_after: timedelta) -> str:
    return "up" if utcnow() - last_seen < gone_after else "gone"


@bp.get("/api/status")
def status() -> ResponseReturnValue:
    authorize("Get", "status")
    since = utcnow() - WORKER_GONE
    with services().db.read() as session:
        projects = session.scalar(select(func.count()).select_from(Project))
        workers, running = session.execute(
            select(func.count(), func.coalesce(func.sum(Worker.running_tasks), 0)).where(
                Worker.last_seen_datetime >= since
            )
        ).one()
    return jsonify(
        {"num_projects": projects, "num_workers": workers, "running_tasks": int(running)}
    )


@bp.post("/int-api/heartbeat")
def heartbeat() -> ResponseReturnValue:
    """A worker's liveness report, signed with a config token for its own id."""
    data = json_object()
    require_config_token(worker_id(data))
    row = worker_row(data)
    with services().db.transaction() as session:
        upsert(session, Worker, [row], keys=["id"], update=[k for k in row if k != "id"])
    return "", 200


def _worker_json(worker: Worker) -> dict:
    return {
        "uuid": worker.id,
        "addr": worker.addr,
        "version": worker.version,
        "last_seen_datetime": format_datetime(worker.last_seen_datetime),
        "running_tasks": worker.running_tasks,
        "total_tasks": worker.total_tasks,
        "status": _status(worker.last_seen_datetime, WORKER_GONE),
    }


@bp.get("/api/workers")
def workers() -> ResponseReturnValue:
    authorize("List", "workers")
    with services().db.read() as session:
        rows = session.scalars(
            select(Worker)
            .where(Worker.last_seen_datetime >= utcnow() - WORKER_HIDDEN)
            .order_by(Worker.last_seen_datetime.desc())
        ).all()
    return jsonify([_worker_json(w) for w in rows])


@bp.get("/api/workers/<id:worker_id>")
def worker(worker_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "workers")
    states = [s for s in request.args.get("state", "").split(",") if s]
    with services().db.read() as session:
        found = get_or_404(session, Worker, worker_id)
        query = (
            select(TaskRun, Task, Job, Project)
            .join(Task, Task.id == TaskRun.task_id)
            .join(Job, Job.id == Task.job_id)
            .join(Project, Project.id == Job.project_id)
            .where(TaskRun.worker_id == worker_id)
            .order_by(TaskRun.started_datetime.desc().nulls_last())
            .limit(100)
        )
        if states:
            query = query.where(TaskRun.state.in_(states))
        rows = session.execute(query).all()
    body = _worker_json(found)
    del body["uuid"], body["addr"]
    body["tasks"] = [
        {
            "job_id": job.id,
            "job_name": job.name,
            "project_id": project.id,
            "project_name": project.name,
            "task_run_id": run.id,
            "task_id": task.id,
            "task_name": task.name,
            "trigger_datetime": format_datetime(run.trigger_datetime),
            "queued_datetime": format_datetime(run.queued_datetime),
            "started_datetime": format_datetime(run.started_datetime),
            "finish_datetime": format_datetime(run.finish_datetime),
            "state": run.state,
            "attempt": run.attempt,
        }
        for run, task, job, project in rows
    ]
    return jsonify(body)


@bp.get("/api/schedulers")
def schedulers() -> ResponseReturnValue:
    authorize("List", "schedulers")
    with services().db.read() as session:
        rows = session.execute(
            select(Scheduler, Trigger.job_id)
            .outerjoin(Trigger, Trigger.id == Scheduler.waiting_for_trigger_id)
            .where(Scheduler.last_seen_datetime >= utcnow() - SCHEDULER_HIDDEN)
            .order_by(Scheduler.last_seen_datetime.desc())
        ).all()
    return jsonify(
        [
            {
                "uuid": s.id,
                "version": s.version,
                "last_seen_datetime": format_datetime(s.last_seen_datetime),
                "queued_triggers": s.queued_triggers,
                "waiting_for_trigger_id": s.waiting_for_trigger_id,
                "waiting_for_trigger_job_id": job_id,
                "status": _status(s.last_seen_datetime, SCHEDULER_GONE),
            }
            for s, job_id in rows
        ]
    )
