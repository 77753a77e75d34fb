"""Issue 11, point 6: only a worker may report itself, and only within bounds.

A heartbeat carries a config token issued for the worker's own id (signed
with the shared secret); what it reports is checked, and its last-seen time
is the API's clock, whatever the body says."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.helpers import bearer, config_token, row_counts
from waterwheel.config import Settings


def _body(worker: uuid.UUID, **changes: object) -> dict[str, object]:
    return {
        "uuid": str(worker),
        "addr": "worker-1.example:4000",
        "last_seen_datetime": "2025-01-01T00:00:00Z",
        "running_tasks": 1,
        "total_tasks": 5,
        "version": "2.0.1",
    } | changes


def _beat(client, settings, worker, subject=None, **changes):
    token = config_token(settings, subject or worker)
    return client.post("/int-api/heartbeat", json=_body(worker, **changes), headers=bearer(token))


def _workers(client) -> list[dict]:
    return client.get("/api/workers").get_json()


def test_an_anonymous_or_foreign_heartbeat_is_refused_and_writes_nothing(client, db, settings):
    worker = uuid.uuid4()
    response = client.post("/int-api/heartbeat", json=_body(worker))
    assert response.status_code == 401
    assert "config token" in response.get_json()["error"]

    response = _beat(client, settings, worker, subject=uuid.uuid4())  # another worker's token
    assert response.status_code == 403
    assert "another id" in response.get_json()["error"]

    stranger = Settings(hmac_secret="a-secret-of-another-installation-0123456789")
    response = _beat(client, stranger, worker)
    assert response.status_code == 401
    assert row_counts(db)["worker"] == 0
    assert _workers(client) == []


def test_out_of_bounds_reports_are_400_naming_the_field(client, db, settings):
    worker = uuid.uuid4()
    for field, value in [
        ("addr", "a" * 100_000),
        ("addr", "<script>alert(1)</script>"),
        ("addr", 42),
        ("version", "v" * 65),
        ("version", "1.0\n"),
        ("running_tasks", 1_000_000),
        ("running_tasks", -1),
        ("running_tasks", "3"),
        ("running_tasks", True),
        ("total_tasks", 2**31),
        ("total_tasks", 10**400),
        ("total_tasks", 1.5),
    ]:
        response = _beat(client, settings, worker, **{field: value})
        assert response.status_code == 400, (field, value)
        assert field in response.get_json()["error"]
    assert row_counts(db)["worker"] == 0


def test_the_last_seen_time_is_the_servers_clock(client, settings):
    worker = uuid.uuid4()
    before = datetime.now(UTC).replace(microsecond=0)
    assert (
        _beat(client, settings, worker, last_seen_datetime="2099-01-01T00:00:00Z").status_code
        == 200
    )
    after = datetime.now(UTC) + timedelta(seconds=1)
    (row,) = _workers(client)
    seen = datetime.fromisoformat(row["last_seen_datetime"].replace("Z", "+00:00"))
    assert before <= seen <= after
    assert (row["addr"], row["running_tasks"], row["total_tasks"]) == (
        "worker-1.example:4000",
        1,
        5,
    )
