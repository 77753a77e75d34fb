"""A job's triggers through the REST API: the listing (periods in seconds, cron,
offsets, order, next trigger time) and a trigger's detail with its times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from helpers import (
    PROJECT_ID,
    PROJECT_NAME,
    SAMPLE_JOBS,
    SIMPLE,
    T0,
    deploy_job,
    deploy_sample_project,
    deploy_samples,
    insert_token,
    job_doc,
    task_ids,
    trigger_ids,
)

from waterwheel.db.models import Trigger


def test_triggers_listing_in_seconds(client, project):
    deploy_samples(client, only=["trigger_offset.yml", "depends_on_past.yml"])
    response = client.get(f"/api/jobs/{SAMPLE_JOBS['trigger_offset.yml']}/triggers")
    assert response.status_code == 200
    rows = {r["trigger_name"]: r for r in response.get_json()}
    assert set(rows) == {"no_offset", "pos_offset", "neg_offset"}
    for name, offset in [("no_offset", 0), ("pos_offset", 60), ("neg_offset", -180)]:
        row = rows[name]
        uuid.UUID(row["trigger_id"])
        # catch-up none: the next time whose moment (time + offset) is still to come
        following = datetime.fromisoformat(row.pop("next_trigger_datetime"))
        moment = following + timedelta(seconds=offset)
        now = datetime.now(UTC)
        assert now - timedelta(seconds=5) <= moment <= now + timedelta(minutes=10)
        assert following.minute % 10 == 0 and following.second == 0
        assert {k: v for k, v in row.items() if k != "trigger_id"} == {
            "trigger_name": name,
            "start_datetime": "2025-05-14T00:00:00Z",
            "end_datetime": None,
            "earliest_trigger_datetime": None,
            "latest_trigger_datetime": None,
            "period": 600,
            "cron": None,
            "trigger_offset": offset,
            "catchup": "none",
            "catchup_skipped_through": None,
        }
    past = {
        r["trigger_name"]: r
        for r in client.get(f"/api/jobs/{SAMPLE_JOBS['depends_on_past.yml']}/triggers").get_json()
    }
    assert past["initial"]["end_datetime"] == "2025-01-02T00:00:00Z"
    assert (past["daily"]["period"], past["daily"]["catchup"]) == (86400, "earliest")


def test_cron_trigger_listing(client, project):
    doc = job_doc(
        triggers=[{"name": "monthly", "start": "2025-01-01T00:00:00Z", "cron": "0 0 0 1 * *"}],
        tasks=[{"name": "a", "depends": ["trigger/monthly"]}],
    )
    job_id = deploy_job(client, doc)
    [row] = client.get(f"/api/jobs/{job_id}/triggers").get_json()
    assert (row["cron"], row["period"], row["trigger_offset"]) == ("0 0 0 1 * *", None, 0)


def test_triggers_ordered_latest_first_never_fired_first(client, db, project):
    doc = job_doc(
        triggers=[
            {"name": n, "start": "2025-01-01T00:00:00Z", "period": "1d"}
            for n in ("old", "fresh", "never")
        ],
        tasks=[{"name": "a", "depends": ["trigger/old", "trigger/fresh", "trigger/never"]}],
    )
    job_id = deploy_job(client, doc)
    ids = trigger_ids(client, job_id)
    with db.transaction() as session:
        session.get(Trigger, uuid.UUID(ids["old"])).latest_trigger_datetime = T0
        session.get(Trigger, uuid.UUID(ids["fresh"])).latest_trigger_datetime = T0 + timedelta(
            days=3
        )
    rows = client.get(f"/api/jobs/{job_id}/triggers").get_json()
    assert [r["trigger_name"] for r in rows] == ["never", "fresh", "old"]
    assert rows[1]["latest_trigger_datetime"] == "2025-01-04T00:00:00Z"


def test_trigger_detail(client, db, project):
    deploy_samples(client, only=["simple.json"])
    daily = trigger_ids(client, SIMPLE)["daily"]
    step0 = task_ids(client, SIMPLE)["step0"]
    insert_token(db, step0, T0, state="success")
    insert_token(db, step0, T0 + timedelta(days=1), state="active")
    response = client.get(f"/api/triggers/{daily}")
    assert response.status_code == 200
    assert response.get_json() == {
        "trigger_id": daily,
        "trigger_name": "daily",
        "job_id": SIMPLE,
        "job_name": "simple_job",
        "project_id": PROJECT_ID,
        "project_name": PROJECT_NAME,
        "times": [
            {
                "trigger_datetime": "2025-01-02T00:00:00Z",
                "success": 0,
                "running": 0,
                "failure": 0,
                "waiting": 1,
            },
            {
                "trigger_datetime": "2025-01-01T00:00:00Z",
                "success": 1,
                "running": 0,
                "failure": 0,
                "waiting": 0,
            },
        ],
    }
    assert client.get(f"/api/triggers/{uuid.uuid4()}").status_code == 404


def test_triggers_give_their_next_trigger_time(client, db):
    """Beyond the original: when each trigger fires next, also for cron and for
    a trigger that skips the times it missed."""
    deploy_sample_project(client)
    start = "2025-01-01T00:00:00Z"
    triggers = [
        {"name": "fresh", "start": "2030-01-01T00:00:00Z", "period": "1d"},
        {"name": "cron", "start": start, "cron": "0 30 9 * * *", "catchup": "none"},
        {"name": "skips", "start": start, "period": "1h", "catchup": "none"},
        {"name": "newest", "start": start, "period": "1h", "catchup": "latest_only"},
        {"name": "ended", "start": start, "end": "2025-01-02T00:00:00Z", "period": "1d"},
    ]
    job_id = deploy_job(
        client, job_doc(triggers=triggers, tasks=[{"name": "a", "depends": ["trigger/fresh"]}])
    )
    with db.transaction() as session:
        ended = session.scalar(sa.select(Trigger).where(Trigger.name == "ended"))
        ended.latest_trigger_datetime = datetime(2025, 1, 1, tzinfo=UTC)
    rows = {t["trigger_name"]: t for t in client.get(f"/api/jobs/{job_id}/triggers").get_json()}
    now = datetime.now(UTC)
    assert rows["fresh"]["next_trigger_datetime"] == "2030-01-01T00:00:00Z"
    cron_next = datetime.fromisoformat(rows["cron"]["next_trigger_datetime"])
    assert (cron_next.hour, cron_next.minute) == (9, 30) and now < cron_next <= now + timedelta(
        days=1
    )
    hourly = datetime.fromisoformat(rows["skips"]["next_trigger_datetime"])
    assert now <= hourly <= now + timedelta(hours=1) and hourly.minute == 0
    # latest_only runs the newest missed time as it catches up, then goes on from now.
    assert rows["newest"]["next_trigger_datetime"] == rows["skips"]["next_trigger_datetime"]
    assert rows["ended"]["next_trigger_datetime"] is None
