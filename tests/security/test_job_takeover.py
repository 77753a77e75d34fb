"""Issue 11, point 2: a job document may not take over another project's job,
and may not depend on (or probe for) what its sender cannot read.

The policy is decided by a stand-in for OPA's REST API (tests/test_authz.py):
each bearer token may do anything in its own projects and nothing elsewhere.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from tests.helpers import HMAC_SECRET, create_project
from tests.opa import PolicyServer
from waterwheel.api import create_app
from waterwheel.config import Settings
from waterwheel.db.job_access import job_access
from waterwheel.db.jobstore import JobConflict, save_job
from waterwheel.db.models import Job
from waterwheel.jobdoc import parse_job

# Who may act in which projects, by bearer token.
GRANTS = {"alice": {"pa"}, "bob": {"pb"}, "carol": {"pa", "pb"}}
ALICES_JOB = str(uuid.uuid4())


def as_(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {user}"}


def job_doc(
    job_id: str, project: str, *, name: str = "nightly", command: str = "echo hi", depends=()
):
    return {
        "uuid": job_id,
        "project": project,
        "name": name,
        "description": "",
        "paused": True,
        "triggers": [{"name": "t", "start": "2025-01-01T00:00:00Z", "period": "1d"}],
        "tasks": [
            {
                "name": "a",
                "docker": {"image": "busybox", "args": [], "command": ["sh", "-c", command]},
                "depends": ["trigger/t", *depends],
            }
        ],
    }


@pytest.fixture
def projects(db) -> dict[str, str]:
    """Projects pa and pb (name -> id), and alice's job ``nightly`` in pa."""
    open_client = create_app(Settings(hmac_secret=HMAC_SECRET, no_authz=True), db=db).test_client()
    ids = {name: create_project(open_client, name)["uuid"] for name in ("pa", "pb")}
    saved = open_client.post("/api/jobs", json=job_doc(ALICES_JOB, "pa", command="backup"))
    assert saved.status_code == 201
    return ids


@pytest.fixture
def client(db, projects):
    names = {project_id: name for name, project_id in projects.items()}

    def decide(document: dict) -> bool:
        project = names.get(document["object"]["project_id"])
        return project in GRANTS.get(document["principal"]["bearer"], set())

    policy = PolicyServer(decide)
    app = create_app(Settings(hmac_secret=HMAC_SECRET, opa_sidecar_addr=policy.url), db=db)
    yield app.test_client()
    policy.http.shutdown()


def alices_job(client) -> dict:
    response = client.get(f"/api/jobs/{ALICES_JOB}", headers=as_("alice"))
    assert response.status_code == 200
    return response.get_json()


def test_a_job_of_another_project_cannot_be_taken_over(client):
    before = alices_job(client)
    taken = client.post(
        "/api/jobs", json=job_doc(ALICES_JOB, "pb", command="steal"), headers=as_("bob")
    )
    assert taken.status_code == 403
    assert taken.get_json()["error"] == "Update job is not allowed"
    after = alices_job(client)  # still alice's, unchanged
    assert after["project"] == "pa"
    assert after["raw_definition"] == before["raw_definition"]
    assert "backup" in after["raw_definition"] and "steal" not in after["raw_definition"]


def test_moving_a_job_needs_update_in_both_projects(client):
    moved_by_alice = client.post("/api/jobs", json=job_doc(ALICES_JOB, "pb"), headers=as_("alice"))
    assert moved_by_alice.status_code == 403
    assert alices_job(client)["project"] == "pa"
    moved = client.post("/api/jobs", json=job_doc(ALICES_JOB, "pb"), headers=as_("carol"))
    assert moved.status_code == 201
    assert client.get(f"/api/jobs/{ALICES_JOB}", headers=as_("carol")).get_json()["project"] == "pb"


@pytest.mark.parametrize(
    "reference",
    [
        "pa/nightly/task/a",  # exists
        "pa/nightly/task/missing",
        "pa/missing/task/a",
        "nosuchproject/nightly/task/a",
    ],
)
def test_depending_on_another_projects_task_needs_get_there_and_reveals_nothing(
    client, db, reference
):
    document = job_doc(str(uuid.uuid4()), "pb", name="mine", depends=[reference])
    response = client.post("/api/jobs", json=document, headers=as_("bob"))
    # The same answer whether the name exists or not: no oracle.
    assert response.status_code == 403
    assert response.get_json()["error"] == "Get job is not allowed"
    with db.read() as session:  # nothing written
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_a_caller_who_may_read_the_upstream_may_depend_on_it(client):
    ok = job_doc(str(uuid.uuid4()), "pb", name="mine", depends=["pa/nightly/task/a"])
    assert client.post("/api/jobs", json=ok, headers=as_("carol")).status_code == 201
    missing = job_doc(str(uuid.uuid4()), "pb", name="other", depends=["pa/nightly/task/x"])
    refused = client.post("/api/jobs", json=missing, headers=as_("carol"))
    assert refused.status_code == 400
    assert "reference 'pa/nightly/task/x' not found" in refused.get_json()["error"]


def test_a_save_authorized_for_a_job_that_moved_meanwhile_is_refused(db, projects):
    spec = parse_job(job_doc(ALICES_JOB, "pa", command="replaced"))
    with db.read() as session:
        decided_about = job_access(session, spec)  # what the API authorized
    with db.transaction() as session:
        save_job(session, parse_job(job_doc(ALICES_JOB, "pb")))  # the job moves first
    with pytest.raises(JobConflict, match="changed meanwhile"), db.transaction() as session:
        save_job(session, spec, decided_about)
    with db.read() as session:
        assert job_access(session, spec).current_project_id == uuid.UUID(projects["pb"])
