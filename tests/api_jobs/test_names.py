"""Job names and projects through the REST API: a name is unique within its
project (409 on creating and on renaming), and a job may move to another project."""

from __future__ import annotations

from helpers import PROJECT_ID, create_project, deploy_job, job_doc, post_job, row_counts
from helpers import get_job as _job


def test_renaming_onto_another_jobs_name_is_409(client, db, project):
    deploy_job(client, job_doc("taken"))
    doc = job_doc("mine")
    job_id = deploy_job(client, doc)
    raw = _job(client, job_id)["raw_definition"]
    before = row_counts(db)
    response = post_job(client, doc | {"name": "taken"})
    assert response.status_code == 409
    assert "taken" in response.get_json()["error"]
    assert _job(client, job_id)["raw_definition"] == raw
    assert row_counts(db) == before


def test_new_job_with_a_taken_name_is_409_but_other_projects_may_use_it(client, project):
    first = deploy_job(client, job_doc("shared"))
    assert post_job(client, job_doc("shared")).status_code == 409
    create_project(client, "other")
    second = deploy_job(client, job_doc("shared", project="other"))
    assert first != second
    found = client.get("/api/jobs", query_string={"project": "other", "name": "shared"})
    assert found.get_json()["id"] == second


def test_job_moves_to_another_project(client, project):
    other = create_project(client, "other")
    doc = job_doc("mover")
    job_id = deploy_job(client, doc)
    assert post_job(client, doc | {"project": "other"}).status_code == 201
    job = _job(client, job_id)
    assert (job["project"], job["project_id"]) == ("other", other["uuid"])
    assert client.get(f"/api/projects/{PROJECT_ID}/jobs").get_json() == []
