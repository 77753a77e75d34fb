"""What the REST API tells schedulers and workers (through its publisher) when a
job is created, replaced, rejected, paused, unpaused and deleted."""

from __future__ import annotations

from helpers import (
    RecordingPublisher,
    deploy_job,
    deploy_sample_project,
    job_doc,
    post_job,
    task_ids,
    trigger_ids,
)

from waterwheel.api import create_app


def test_schedulers_and_workers_are_told_of_every_change(settings, db):
    publisher = RecordingPublisher()
    app = create_app(settings, db=db, publisher=publisher)
    app.testing = True
    client = app.test_client()
    deploy_sample_project(client)
    doc = job_doc(
        triggers=[
            {"name": "daily", "start": "2025-01-01T00:00:00Z", "period": "1d"},
            {"name": "hourly", "start": "2025-01-01T00:00:00Z", "period": "1h"},
        ],
        tasks=[
            {"name": "a", "depends": ["trigger/daily"]},
            {"name": "b", "depends": ["trigger/hourly"]},
        ],
    )
    job_id = deploy_job(client, doc)
    tasks, triggers = task_ids(client, job_id), trigger_ids(client, job_id)
    assert publisher.of("triggers_changed") == [(sorted(triggers.values()),)]
    assert publisher.of("task_changed") == [(sorted(tasks.values()),)]

    # Removed trigger and task are announced with the kept ones.
    publisher.calls.clear()
    doc["triggers"], doc["tasks"] = doc["triggers"][:1], doc["tasks"][:1]
    assert post_job(client, doc).status_code == 201
    assert publisher.of("triggers_changed") == [(sorted(triggers.values()),)]
    assert publisher.of("task_changed") == [(sorted(tasks.values()),)]

    # A rejected document announces nothing.
    publisher.calls.clear()
    assert post_job(client, doc | {"project": "nope"}).status_code == 400
    assert publisher.calls == []

    publisher.calls.clear()
    assert client.put(f"/api/jobs/{job_id}/paused", json={"paused": True}).status_code == 204
    assert publisher.of("job_unpaused") == []
    assert publisher.of("triggers_changed") == [([triggers["daily"]],)]
    assert client.put(f"/api/jobs/{job_id}/paused", json={"paused": False}).status_code == 204
    assert publisher.of("job_unpaused") == [(job_id,)]

    publisher.calls.clear()
    assert client.delete(f"/api/jobs/{job_id}").status_code == 204
    assert publisher.of("triggers_changed") == [([triggers["daily"]],)]
    assert publisher.of("task_changed") == [(sorted(tasks.values()),)]
