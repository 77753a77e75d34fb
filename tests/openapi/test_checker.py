"""The response checker (tests.openapi.spec.Api) catches bodies that drift from the
schemas of the OpenAPI document."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask

from tests.openapi.spec import T0, Api


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ("Project", {"id": str(uuid.uuid4()), "name": "p", "description": "", "extra": 1}),
        ("Project", {"id": str(uuid.uuid4()).upper(), "name": "p", "description": ""}),
        ("Project", {"id": "4fb168e4", "name": "p", "description": ""}),
        ("Project", {"id": str(uuid.uuid4()), "name": "p"}),
        (
            "Token",
            {
                "task_id": str(uuid.uuid4()),
                "task_name": "t",
                "state": "waiting",
                "trigger_datetime": "2025-01-01T00:00:00+00:00",
            },
        ),
        (
            "Token",
            {
                "task_id": str(uuid.uuid4()),
                "task_name": "t",
                "state": "waiting",
                "trigger_datetime": "2025-01-01Z",
            },
        ),
        (
            "Token",
            {
                "task_id": str(uuid.uuid4()),
                "task_name": "t",
                "state": "sleeping",
                "trigger_datetime": T0,
            },
        ),
        (
            "TaskRun",
            {
                "task_run_id": str(uuid.uuid4()),
                "attempt": 1,
                "queued_datetime": T0,
                "started_datetime": None,
                "finish_datetime": None,
                "state": "active",
                "priority": "high",
                "worker_id": "nobody",
            },
        ),
        (
            "TaskRun",  # without the message
            {
                "task_run_id": str(uuid.uuid4()),
                "attempt": 1,
                "queued_datetime": T0,
                "started_datetime": None,
                "finish_datetime": None,
                "state": "active",
                "priority": "high",
                "worker_id": None,
            },
        ),
        ("LogPage", {"lines": [], "next": "1", "ended": True, "outcome": "success"}),
        ("LogPage", {"lines": [], "next": None, "ended": True, "outcome": "cancelled"}),
        ("LogPage", {"lines": [{"id": 1, "line": "x"}], "next": "1", "ended": False}),
        ("LogFrame", {"end": None}),
        ("LogFrame", {"id": "1", "line": "x", "end": "success"}),
        ("Error", {"error": ""}),
        ("Error", {"message": "x"}),
    ],
)
def test_the_checker_catches_drift(bare_app: Flask, schema: str, instance: Any) -> None:
    api = Api(bare_app.test_client())
    location = ["components", "schemas", schema]
    with pytest.raises(pytest.fail.Exception):
        api.validate(instance, location, schema)
    fixed = {"id": str(uuid.uuid4()), "name": "p", "description": ""}
    api.validate(fixed, ["components", "schemas", "Project"], "Project")
