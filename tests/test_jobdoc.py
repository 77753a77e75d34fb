"""The job document: samples from the original, validation rules, media types, raw definition."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from waterwheel.jobdoc import (
    JOB_SCHEMA,
    PROJECT_SCHEMA,
    DocumentError,
    Reference,
    UnsupportedMediaType,
    decode_body,
    load_job,
    load_project,
    load_schema,
    parse_job,
    parse_project,
    parse_reference,
)

SAMPLES = Path(__file__).parent / "data" / "original-jobs"  # written for the original
YAML_TYPES = ["application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml"]
JOB_SAMPLES = sorted(
    path.name
    for path in SAMPLES.glob("*")
    if path.suffix in {".json", ".yml"} and path.name != "project.json"
)

MINIMAL: dict[str, Any] = {
    "uuid": "51c35e5d-e777-4797-b91b-2526bd4bafdc",
    "project": "proj",
    "name": "job",
    "description": "",
    "triggers": [{"name": "daily", "start": "2025-01-01T00:00:00Z", "period": "1d"}],
    "tasks": [
        {
            "name": "step0",
            "docker": {"image": "bash", "args": ["-c", "true"]},
            "depends": ["trigger/daily"],
        }
    ],
}


def sample(name: str):
    path = SAMPLES / name
    content_type = "application/x-yaml" if path.suffix == ".yml" else "application/json"
    return load_job(path.read_bytes(), content_type)


def task_named(job, name: str):
    return next(task for task in job.tasks if task.name == name)


def document(trigger: dict | None = None, task: dict | None = None, **top: Any) -> dict:
    """MINIMAL with fields of the first trigger, the first task and the job changed."""
    doc = copy.deepcopy(MINIMAL) | top
    doc["triggers"][0].update(trigger or {})
    doc["tasks"][0].update(task or {})
    return doc


def error_of(doc: Any) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        parse_job(doc)
    return info.value


# --- samples written for the original ------------------------------------------------


@pytest.mark.parametrize("name", JOB_SAMPLES)
def test_every_sample_parses(name):
    job = sample(name)
    assert job.tasks
    assert json.loads(job.raw_definition)["uuid"] == str(job.uuid)


def test_samples_are_found():
    assert {"complex-dag.yml", "simple.json", "invalid.yml"} <= set(JOB_SAMPLES)


def test_complex_dag_thresholds():
    job = sample("complex-dag.yml")
    assert job.name == "complex dag"
    assert job.paused is True
    assert task_named(job, "stepC1").threshold == 4
    assert task_named(job, "stepC2").threshold == 2
    assert task_named(job, "z3_cleanup").threshold == 1
    z1 = task_named(job, "z1_failure")
    assert (z1.threshold, z1.docker, z1.depends) == (1, None, [])
    assert [ref.name for ref in z1.depends_failure][-1] == "stepD"
    assert task_named(job, "z3_cleanup").docker.args == ["-c", "echo cleanup"]


def test_depends_on_past_offsets_and_end():
    job = sample("depends_on_past.yml")
    initial = job.triggers[0]
    assert initial.end == datetime(2025, 1, 2, tzinfo=UTC)
    assert (initial.period, initial.cron, initial.catchup) == (86400, None, "earliest")
    next_task = task_named(job, "next")
    assert next_task.threshold == 2
    assert next_task.depends[1] == Reference(None, None, "task", "end", 86400, "task/end@1d")
    assert task_named(job, "start").threshold == 1


def test_trigger_offsets_are_signed():
    job = sample("trigger_offset.yml")
    offsets = {trigger.name: trigger.offset for trigger in job.triggers}
    assert offsets == {"no_offset": 0, "pos_offset": 60, "neg_offset": -180}
    assert {trigger.period for trigger in job.triggers} == {600}
    assert {trigger.catchup for trigger in job.triggers} == {"none"}


def test_retry_and_timeout():
    step0 = task_named(sample("retry.json"), "step0")
    assert (step0.retry.max_attempts, step0.retry.delay) == (5, 120)
    assert step0.timeout == 50
    assert step0.docker.env == ["FAIL_PERCENTAGE=95"]
    assert task_named(sample("retry.json"), "failure").threshold == 1


def test_exit_codes_stash_write_and_latest_only():
    job = parse_job(
        document(
            trigger={"catchup": "latest_only"},
            task={"skip_exit_code": 99, "fail_exit_code": 98, "project_stash_write": ["a.", "b."]},
        )
    )
    task = job.tasks[0]
    assert (task.skip_exit_code, task.fail_exit_code) == (99, 98)
    assert task.project_stash_write == ("a.", "b.")
    assert job.triggers[0].catchup == "latest_only"
    plain = parse_job(document()).tasks[0]
    assert (plain.fail_exit_code, plain.project_stash_write) == (None, ())


def test_catchup_modes_default_to_earliest():
    job = sample("catchup.json")
    modes = {trigger.name: trigger.catchup for trigger in job.triggers}
    assert modes == {
        "none": "none",
        "latest": "latest",
        "earliest": "earliest",
        "random": "random",
        "default": "earliest",
    }
    assert task_named(job, "z_final").threshold == 5


def test_edge_offsets_on_trigger_and_task_references():
    final = task_named(sample("offset.json"), "final")
    assert [(ref.kind, ref.name, ref.offset) for ref in final.depends] == [
        ("task", "step1", 3600),
        ("task", "step2", 0),
    ]
    step1 = task_named(sample("offset.json"), "step1")
    assert step1.depends[0].kind == "trigger"


def test_cross_job_references_and_no_triggers():
    job = sample("xjob.yml")
    assert job.triggers == []
    assert task_named(job, "step0").depends[0] == Reference(
        None, "complex dag", "task", "stepB3", 0, "complex dag/task/stepB3"
    )


def test_invalid_sample_parses_its_bad_reference_is_left_to_the_database():
    assert task_named(sample("invalid.yml"), "step0").depends[0].name == "x"


def test_project_sample():
    project = load_project((SAMPLES / "project.json").read_bytes())
    assert project.uuid == UUID("4fb168e4-b963-431d-85b6-ac108542c036")
    assert project.name == "test_project"
    assert project.config["kubernetes_job_ttl_seconds_after_finished"] == 60


# --- schemas -----------------------------------------------------------------------


@pytest.mark.parametrize("filename", [JOB_SCHEMA, PROJECT_SCHEMA])
def test_schemas_are_valid_and_documented(filename):
    schema = load_schema(filename)
    Draft202012Validator.check_schema(schema)
    assert schema["title"] and schema["description"] and schema["examples"]
    for field in schema["properties"].values():
        assert field["description"]


def test_job_schema_examples_parse():
    for example in load_schema(JOB_SCHEMA)["examples"]:
        parse_job(example)


# --- media types -------------------------------------------------------------------

YAML_JOB = b"""
uuid: 51c35e5d-e777-4797-b91b-2526bd4bafdc
project: proj
name: job
description: unquoted timestamps
triggers:
  - name: daily
    start: 2025-01-01T00:00:00Z
    end: 2025-01-02T10:00:00+10:00
    period: 1h
tasks: []
"""


@pytest.mark.parametrize("content_type", [*YAML_TYPES, "application/yaml; charset=utf-8"])
def test_yaml_media_types_and_unquoted_timestamps(content_type):
    trigger = load_job(YAML_JOB, content_type).triggers[0]
    assert trigger.start == datetime(2025, 1, 1, tzinfo=UTC)
    assert trigger.end == datetime(2025, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "content_type", [None, "", "application/json", "Application/JSON; charset=utf-8"]
)
def test_json_is_the_default_and_parameters_are_accepted(content_type):
    assert load_job(json.dumps(MINIMAL).encode(), content_type).name == "job"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_unsupported_media_type_lists_the_supported_ones(content_type):
    with pytest.raises(UnsupportedMediaType) as info:
        decode_body(b"{}", content_type)
    assert "application/json" in str(info.value) and "application/x-yaml" in str(info.value)


@pytest.mark.parametrize(
    ("body", "content_type", "prefix"),
    [
        (b"{", "application/json", "error parsing request body as json: "),
        (b"\xff\xfe\xfa", None, "error parsing request body as json: "),
        (b'{"a": NaN}', None, "error parsing request body as json: invalid number NaN"),
        (b"[" * 100_000, None, "error parsing request body as json: "),
        (b"a: [1, 2", "application/x-yaml", "error parsing request body as yaml: "),
        (b"a: b\n- c", "text/yaml", "error parsing request body as yaml: "),
    ],
)
def test_undecodable_bodies(body, content_type, prefix):
    with pytest.raises(DocumentError) as info:
        decode_body(body, content_type)
    assert str(info.value).startswith(prefix)


def test_yaml_alias_bombs_are_refused():
    lines = ["a0: &a0 [xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    with pytest.raises(DocumentError, match="too large"):
        decode_body("\n".join(lines).encode(), "application/yaml")


def test_yaml_date_only_start_is_rejected_not_converted():
    body = YAML_JOB.replace(b"2025-01-01T00:00:00Z", b"2025-01-01")
    assert "triggers[0].start: invalid datetime '2025-01-01'" in str(
        pytest.raises(DocumentError, load_job, body, "text/yaml").value
    )


def test_yaml_schema_errors_name_the_field():
    body = YAML_JOB.replace(b"period: 1h", b"period: 60")
    with pytest.raises(DocumentError, match=r"^triggers\[0\]\.period: expected string or null"):
        load_job(body, "application/x-yaml")


# --- references --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trigger/daily", (None, None, "trigger", "daily", 0)),
        ("task/step1@1h", (None, None, "task", "step1", 3600)),
        ("complex dag/task/stepB3", (None, "complex dag", "task", "stepB3", 0)),
        ("proj/job/task/c@1day", ("proj", "job", "task", "c", 86400)),
        ("my-proj/job.v2/task/step-1.a b", ("my-proj", "job.v2", "task", "step-1.a b", 0)),
        ("task/task/trigger", (None, "task", "task", "trigger", 0)),
        ("task/ padded ", (None, None, "task", " padded ", 0)),
    ],
)
def test_reference_forms(text, expected):
    ref = parse_reference(text)
    assert (ref.project, ref.job, ref.kind, ref.name, ref.offset) == expected
    assert ref.text == text == str(ref)


@pytest.mark.parametrize(
    "text",
    ["", "task", "task/", "/task/a", "job//task/a", "a/b/c/task/x", "job/tsk/x", "Task/x", "a/b"],
)
def test_invalid_references(text):
    with pytest.raises(DocumentError) as info:
        parse_reference(text)
    assert str(info.value) == f"invalid reference '{text}'"


@pytest.mark.parametrize("text", ["task/a@", "task/a@-1h", "task/a@1", "task/a@1.5h"])
def test_bad_reference_offsets_name_the_reference(text):
    with pytest.raises(DocumentError) as info:
        parse_reference(text)
    assert str(info.value).startswith(f"invalid offset in reference '{text}': ")


def test_resolved_reference_prints_fully_qualified():
    ref = parse_reference("task/c@1day").resolve("proj", "job")
    assert str(ref) == "proj/job/task/c@1day"
    assert parse_reference("other/task/c").resolve("proj", "job").target == (
        "proj",
        "other",
        "task",
        "c",
    )


NAME = st.text(min_size=1).filter(lambda name: "/" not in name and "@" not in name)


@given(
    scope=st.lists(NAME, max_size=2),
    kind=st.sampled_from(["task", "trigger"]),
    name=NAME,
    hours=st.none() | st.integers(0, 10_000),
)
def test_references_round_trip(scope, kind, name, hours):
    text = "/".join([*scope, kind, name]) + ("" if hours is None else f"@{hours}h")
    ref = parse_reference(text)
    assert (ref.kind, ref.name, ref.offset) == (kind, name, (hours or 0) * 3600)
    assert [part for part in (ref.project, ref.job) if part] == scope
    assert str(ref) == text


# --- validation rules, each naming its field ----------------------------------------


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            document(trigger={"cron": "0 0 0 * * *"}),
            "triggers[0]: Multiple schedule - cannot specify both cron and period",
        ),
        (
            document(trigger={"period": None}),
            "triggers[0]: No schedule - either period or cron must be provided",
        ),
        (
            document(trigger={"period": "60"}),
            "triggers[0].period: Period is not valid: time unit needed, for example 60sec or 60ms",
        ),
        (
            document(trigger={"period": "-1m"}),
            "triggers[0].period: Period is not valid: expected number at 0",
        ),
        (
            document(trigger={"period": "0s"}),
            "triggers[0].period: Period is not valid: duration must be at least 1 second(s)",
        ),
        (
            document(trigger={"period": "500ms"}),
            "triggers[0].period: Period is not valid: duration must be at least 1 second(s)",
        ),
        (
            document(trigger={"period": "100y"}),
            "triggers[0].period: Period is not valid: duration is too large",
        ),
        (document(trigger={"period": None, "cron": "61 * * * * *"}), "triggers[0].cron: "),
        (document(trigger={"offset": "- x"}), "triggers[0].offset: "),
        (document(trigger={"offset": " -1m"}), "triggers[0].offset: expected number at 0"),
        (document(trigger={"start": "2025-01-01"}), "triggers[0].start: invalid datetime"),
        (
            document(trigger={"start": "2025-01-01T00:00:00"}),
            "triggers[0].start: invalid datetime",
        ),
        (
            document(trigger={"end": "2025-01-01T00:00:00Z"}),
            "triggers[0].end: end must be after start",
        ),
        (
            document(trigger={"end": "2024-12-31T00:00:00Z"}),
            "triggers[0].end: end must be after start",
        ),
        (document(trigger={"catchup": "sometimes"}), "triggers[0].catchup: must be one of"),
        (document(trigger={"name": ""}), "triggers[0].name: "),
        (document(task={"name": ""}), "tasks[0].name: "),
        (document(name=""), "name: "),
        (document(project=""), "project: "),
        (document(uuid="not-a-uuid"), "uuid: badly formed hexadecimal UUID string"),
        (document(task={"timeout": "5 parsecs"}), "tasks[0].timeout: unknown time unit"),
        (document(task={"timeout": "0s"}), "tasks[0].timeout: duration must be at least 1"),
        (
            document(task={"retry": {"max_attempts": 3, "delay": "soon"}}),
            "tasks[0].retry.delay: expected number at 0",
        ),
        (
            document(task={"retry": {"max_attempts": 0}}),
            "tasks[0].retry.max_attempts: 0 is less than the minimum of 1",
        ),
        (document(task={"retry": {}}), "tasks[0].retry: 'max_attempts' is a required property"),
        (document(task={"threshold": 0}), "tasks[0].threshold: 0 is less than the minimum of 1"),
        (document(task={"threshold": -2}), "tasks[0].threshold: -2 is less than the minimum"),
        (document(task={"threshold": 1.0}), "tasks[0].threshold: expected integer or null"),
        (document(task={"threshold": True}), "tasks[0].threshold: expected integer or null"),
        (
            document(task={"skip_exit_code": 99, "fail_exit_code": 99}),
            "tasks[0].fail_exit_code: 99 is already the skip_exit_code",
        ),
        (document(task={"fail_exit_code": 0}), "tasks[0].fail_exit_code: 0 is less than the"),
        (document(task={"fail_exit_code": 256}), "tasks[0].fail_exit_code: 256 is greater than"),
        (
            document(task={"project_stash_write": ["airflow.var.", ""]}),
            "tasks[0].project_stash_write[1]: ",
        ),
        (
            document(task={"project_stash_write": "airflow.var."}),
            "tasks[0].project_stash_write: expected array or null, got string",
        ),
        (
            document(task={"depends_failure": ["task/a", "trigger/daily"]}),
            "tasks[0].depends_failure[1]: depends_failure cannot reference a trigger since"
            " triggers can't fail",
        ),
        (
            document(task={"docker": {"image": "bash", "args": [], "env": ["A=1", "B"]}}),
            "tasks[0].docker.env[1]: expected NAME=VALUE, got 'B'",
        ),
        (
            document(task={"docker": {"image": "bash", "args": [], "env": ["=1"]}}),
            "tasks[0].docker.env[0]: expected NAME=VALUE, got '=1'",
        ),
        (
            document(task={"docker": {"image": "bash"}}),
            "tasks[0].docker: 'args' is a required property",
        ),
        (
            document(task={"docker": {"image": "bash", "args": ["-c", 1]}}),
            "tasks[0].docker.args[1]: expected string, got integer",
        ),
        (
            document(task={"depends": ["trigger/daily", "task/a", "task/a@1h"]}),
            "tasks[0].depends[2]: 'task/a@1h' names the same upstream as tasks[0].depends[1]",
        ),
        (
            document(task={"depends": ["task/a", "job/task/a"]}),
            "tasks[0].depends[1]: 'job/task/a' names the same upstream as tasks[0].depends[0]",
        ),
        (
            document(task={"depends_failure": ["task/a", "proj/job/task/a"]}),
            "tasks[0].depends_failure[1]: 'proj/job/task/a' names the same upstream",
        ),
        (document(task={"depends": ["task/a-b", "task"]}), "tasks[0].depends[1]: invalid ref"),
        (
            document(task={"depends": ["task/a@-1d"]}),
            "tasks[0].depends[0]: invalid offset in reference 'task/a@-1d': expected number",
        ),
        (MINIMAL | {"triggers": None}, "triggers: expected array, got null"),
        (document(paused="yes"), "paused: expected boolean or null, got string"),
        ([], "expected object, got array"),
        ({k: v for k, v in MINIMAL.items() if k != "description"}, "'description' is a req"),
    ],
)
def test_validation_errors_name_the_field(doc, message):
    assert str(error_of(doc)).startswith(message)


def test_error_carries_field_and_reason():
    error = error_of(document(trigger={"period": "60"}))
    assert error.field == "triggers[0].period"
    assert error.reason.startswith("Period is not valid: ")


def test_duplicate_trigger_and_task_names():
    doc = document()
    doc["triggers"].append(dict(doc["triggers"][0]))
    assert (
        str(error_of(doc)) == "triggers[1].name: duplicate trigger name 'daily' (also triggers[0])"
    )
    doc = document()
    doc["tasks"] += [{"name": "other"}, {"name": "step0"}]
    assert str(error_of(doc)) == "tasks[2].name: duplicate task name 'step0' (also tasks[0])"


@pytest.mark.parametrize(
    ("task", "threshold"),
    [
        ({"depends": []}, 1),
        ({"depends": None}, 1),
        ({"depends": ["trigger/daily", "task/a", "other/task/a"]}, 3),
        ({"depends_failure": ["task/a", "task/b"]}, 1),
        ({"depends": ["task/a", "task/b"], "threshold": 1}, 1),
        ({"depends": ["task/a"], "threshold": 7}, 7),
    ],
)
def test_threshold(task, threshold):
    doc = document()
    doc["tasks"][0] = {"name": "t"} | task
    assert parse_job(doc).tasks[0].threshold == threshold


def test_same_upstream_in_depends_and_depends_failure_is_allowed():
    task = parse_job(document(task={"depends": ["task/a"], "depends_failure": ["task/a"]})).tasks[0]
    assert (len(task.depends), len(task.depends_failure)) == (1, 1)


def test_cron_trigger_and_defaults():
    trigger = parse_job(document(trigger={"period": None, "cron": "0 0 0 1 * *"})).triggers[0]
    assert (trigger.period, trigger.cron, trigger.offset, trigger.end) == (
        None,
        "0 0 0 1 * *",
        0,
        None,
    )


def test_start_with_offset_is_converted_to_utc():
    trigger = parse_job(document(trigger={"start": "2025-01-01T10:00:00+10:00"})).triggers[0]
    assert trigger.start == datetime(2025, 1, 1, tzinfo=UTC)


# --- raw definition ----------------------------------------------------------------


def test_raw_definition_order_and_normalisation():
    doc = document(
        trigger={"start": "2025-01-01T10:00:00.5+10:00", "offset": "-3m", "x-unknown": 1},
        task={
            "retry": {"delay": "2m", "max_attempts": 2, "other": True},
            "docker": {"env": ["A=1"], "args": [], "image": "bash", "pull": "always"},
            "priority": "high",
        },
        uuid="51C35E5D-E777-4797-B91B-2526BD4BAFDC",
        extra={"ignored": True},
        description="café",
    )
    doc["tasks"].append({"name": "noop"})
    assert parse_job(doc).raw_definition == (
        '{"uuid":"51c35e5d-e777-4797-b91b-2526bd4bafdc","project":"proj","name":"job",'
        '"description":"café","paused":null,"triggers":[{"name":"daily",'
        '"start":"2025-01-01T00:00:00.500000Z","end":null,"period":"1d","cron":null,'
        '"offset":"-3m","catchup":null}],"tasks":[{"name":"step0","docker":{"image":"bash",'
        '"args":[],"env":["A=1"],"command":null},"depends":["trigger/daily"],'
        '"depends_failure":null,"threshold":null,"retry":{"max_attempts":2,"delay":"2m",'
        '"backoff":null,"max_delay":null},"timeout":null,"queue":null,"trigger_rule":null,'
        '"skip_exit_code":null,"fail_exit_code":null,"project_stash_write":null},'
        '{"name":"noop","docker":null,"depends":null,"depends_failure":null,"threshold":null,'
        '"retry":null,"timeout":null,"queue":null,"trigger_rule":null,"skip_exit_code":null,'
        '"fail_exit_code":null,"project_stash_write":null}]}'
    )


def test_raw_definition_parses_back_to_the_same_job():
    for name in JOB_SAMPLES:
        job = sample(name)
        again = parse_job(json.loads(job.raw_definition))
        assert again == job


# --- projects ----------------------------------------------------------------------


def test_project_defaults():
    project = parse_project({"name": "p", "description": "d"})
    assert (project.uuid, project.config) == (None, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "p", "description": "d", "uuid": "nope"}, "uuid: badly formed"),
        ({"name": "", "description": "d"}, "name: "),
        ({"name": "p"}, "'description' is a required property"),
        ({"name": "p", "description": 3}, "description: expected string, got integer"),
    ],
)
def test_project_errors(data, message):
    with pytest.raises(DocumentError) as info:
        parse_project(data)
    assert str(info.value).startswith(message)


def test_project_body_is_json_whatever_the_content_type():
    body = b'{"name": "p", "description": "d", "config": {"a": [1]}}'
    assert load_project(body).config == {"a": [1]}
    with pytest.raises(DocumentError, match="as json"):
        load_project(b"name: p")
