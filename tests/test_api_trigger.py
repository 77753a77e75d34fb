"""POST /api/jobs/:id/trigger: start a run now, as Airflow's manual trigger."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.helpers import RecordingPublisher, create_project, deploy_job, job_doc, task_ids
from waterwheel.api import create_app
from waterwheel.db.models import JobStash, Token
from waterwheel.timeutil import parse_datetime, utcnow


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def client(settings, db, publisher):
    app = create_app(settings, db=db, publisher=publisher)
    app.testing = True
    return app.test_client()


def test_trigger_activates_the_root_tasks_now_and_keeps_conf(client, db, publisher):
    create_project(client)
    tasks = [
        {"name": "first", "docker": {"image": "bash", "args": []}, "depends": ["trigger/daily"]},
        {"name": "second", "depends": ["task/first"]},
        {"name": "other_root"},
    ]
    job_id = deploy_job(client, job_doc(tasks=tasks))
    ids = task_ids(client, job_id)
    before = utcnow().replace(microsecond=0)
    response = client.post(f"/api/jobs/{job_id}/trigger", json={"conf": {"day": "monday"}})
    assert response.status_code == 201
    at = parse_datetime(response.get_json()["trigger_datetime"])
    assert before <= at <= utcnow() and at.microsecond == 0
    with db.transaction() as session:
        tokens = session.execute(select(Token.task_id, Token.count, Token.state)).all()
        conf = session.scalar(select(JobStash.data).where(JobStash.name == "_conf"))
    assert sorted((str(t), n, s) for t, n, s in tokens) == sorted(
        [(ids["first"], 1, "waiting"), (ids["other_root"], 1, "waiting")]
    )
    assert json.loads(conf) == {"day": "monday"}
    (activated,) = publisher.of("tokens_activated")
    assert activated == (sorted([(ids["first"], at), (ids["other_root"], at)]), "normal")

    again = client.post(f"/api/jobs/{job_id}/trigger", json={})
    later = parse_datetime(again.get_json()["trigger_datetime"])
    assert later > at  # two manual runs never share a trigger time


def test_trigger_rejects_what_it_cannot_start(client, db):
    create_project(client)
    job_id = deploy_job(client, job_doc())
    assert client.post(f"/api/jobs/{job_id}/trigger", json={"conf": "x"}).status_code == 400
    assert client.post(f"/api/jobs/{job_id}/trigger", json={"priority": "now"}).status_code == 400
    loop = [{"name": "a", "depends": ["task/b@1d"]}, {"name": "b", "depends": ["task/a"]}]
    looped = deploy_job(client, job_doc("looped", tasks=loop, triggers=[]))
    response = client.post(f"/api/jobs/{looped}/trigger", json={})
    assert response.status_code == 409
    assert "no task without upstream" in response.get_json()["error"]
    with db.transaction() as session:
        assert session.scalars(select(JobStash)).all() == []
