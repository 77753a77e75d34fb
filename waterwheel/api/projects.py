"""Projects: create, read, delete, and the jobs they hold."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from waterwheel.api.authz import authorize
from waterwheel.api.errors import bad_request, conflict, not_found
from waterwheel.api.lookups import counts_by_job, counts_by_state, get_or_404, recent_counters
from waterwheel.api.request import json_object, query_int
from waterwheel.api.services import services
from waterwheel.db.jobstore import job_trigger_and_task_ids
from waterwheel.db.models import Job, Project
from waterwheel.jobdoc import DocumentError, parse_project
from waterwheel.states import State

bp = Blueprint("projects", __name__, url_prefix="/api/projects")


def project_json(project: Project) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "description": project.description}


@bp.get("")
def list_projects() -> ResponseReturnValue:
    name = request.args.get("name")
    if name is None:
        authorize("List", "project")
    with services().db.read() as session:
        if name is not None:
            project = session.scalar(select(Project).where(Project.name == name))
            authorize("Get", "project", project_id=project.id if project else None)
            if project is None:
                raise not_found("project")
            return jsonify(project_json(project))
        rows = session.scalars(select(Project).order_by(Project.name).limit(100))
        return jsonify([project_json(p) for p in rows])


@bp.route("", methods=["POST", "PUT"])
def save_project() -> ResponseReturnValue:
    try:
        spec = parse_project(json_object())
    except DocumentError as exc:
        raise bad_request(str(exc)) from None
    project_id = spec.uuid or uuid.uuid4()
    authorize("Update", "project", project_id=project_id)
    try:
        with services().db.transaction() as session:
            project = session.get(Project, project_id)
            if project is None:
                project = Project(id=project_id, config=spec.config)
                session.add(project)
            elif spec.config is not None:
                project.config = spec.config
            project.name = spec.name
            project.description = spec.description
            session.flush()
            config = project.config
    except IntegrityError:
        raise conflict("a project with this name already exists") from None
    services().publisher.project_changed(project_id)
    body = {"uuid": project_id, "name": spec.name, "description": spec.description}
    return jsonify(body | {"config": config}), 201


@bp.get("/<id:project_id>")
def get_project(project_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Get", "project", project_id=project_id)
    with services().db.read() as session:
        project = get_or_404(session, Project, project_id)
        num_jobs = len(session.scalars(select(Job.id).where(Job.project_id == project_id)).all())
        counts = counts_by_state(session, Job.project_id == project_id)
    return jsonify(
        project_json(project) | {"num_jobs": num_jobs} | recent_counters(counts, "running_tasks")
    )


@bp.delete("/<id:project_id>")
def delete_project(project_id: uuid.UUID) -> ResponseReturnValue:
    authorize("Delete", "project", project_id=project_id)
    with services().db.transaction() as session:
        get_or_404(session, Project, project_id)
        job_ids = list(session.scalars(select(Job.id).where(Job.project_id == project_id)))
        trigger_ids, task_ids = job_trigger_and_task_ids(session, job_ids)
        session.execute(delete(Project).where(Project.id == project_id))
    publisher = services().publisher
    publisher.triggers_changed(trigger_ids)
    publisher.task_changed(task_ids)
    publisher.project_changed(project_id)
    return "", 204


@bp.get("/<id:project_id>/jobs")
def project_jobs(project_id: uuid.UUID) -> ResponseReturnValue:
    authorize("List", "project", project_id=project_id)
    limit = query_int("limit", 50)
    with services().db.read() as session:
        get_or_404(session, Project, project_id)
        query = select(Job).where(Job.project_id == project_id).order_by(Job.name).limit(limit)
        if (after := request.args.get("after")) is not None:
            query = query.where(Job.name > after)
        if (name := request.args.get("name")) is not None:
            query = query.where(Job.name == name)
        jobs = session.scalars(query).all()
        counts = counts_by_job(session, Job.project_id == project_id)
    states = (State.SUCCESS, State.RUNNING, State.FAILURE, State.ERROR)
    return jsonify(
        [
            {
                "job_id": job.id,
                "name": job.name,
                "description": job.description,
                "paused": job.paused,
                **{s: counts.get(job.id, {}).get(s, 0) for s in states},
                "waiting": sum(
                    counts.get(job.id, {}).get(s, 0) for s in (State.WAITING, State.ACTIVE)
                ),
            }
            for job in jobs
        ]
    )
