"""What saving a job document touches, for the API to authorize.

A document names its project, and may name an existing job (its uuid, whatever
project that job is in now) and other jobs' tasks and triggers (its
references). Each of these needs its own decision: the API looks them up
before the write, asks the policy, and ``save_job`` looks them up again inside
its transaction; when anything moved in between, the save is refused rather
than written under decisions made about something else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from waterwheel.db.models import Job, Project
from waterwheel.jobdoc import JobSpec

# A job as the policy sees it: (project id, job id), None where there is none.
JobRef = tuple[uuid.UUID | None, uuid.UUID | None]


@dataclass(frozen=True)
class JobAccess:
    project_id: uuid.UUID | None  # the document's project; None: no such project
    current_project_id: uuid.UUID | None  # where the job is now; None: a new job
    upstream: tuple[JobRef, ...]  # other jobs the references name, in document order


def job_access(session: Session, spec: JobSpec) -> JobAccess:
    project_ids: dict[str, uuid.UUID | None] = {}

    def project_id(name: str) -> uuid.UUID | None:
        if name not in project_ids:
            project_ids[name] = session.scalar(select(Project.id).where(Project.name == name))
        return project_ids[name]

    upstream: dict[JobRef, None] = {}
    for task in spec.tasks:
        for ref in [*task.depends, *task.depends_failure]:
            resolved = ref.resolve(spec.project, spec.name)
            if (resolved.project, resolved.job) == (spec.project, spec.name):
                continue
            other_project = project_id(resolved.project)
            job_id = session.scalar(
                select(Job.id).where(Job.project_id == other_project, Job.name == resolved.job)
            )
            upstream[(other_project, job_id)] = None
    return JobAccess(
        project_id=project_id(spec.project),
        current_project_id=session.scalar(select(Job.project_id).where(Job.id == spec.uuid)),
        upstream=tuple(upstream),
    )
