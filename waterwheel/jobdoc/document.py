"""Job and project documents: validation and conversion into typed specs.

Validation is the JSON Schema first (types, required fields, ranges), then the
rules a schema cannot express.  Every error is a DocumentError naming the field.
Nothing here looks at the database: whether references resolve, and whether the
project exists, is decided when the job is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

from waterwheel.cron import CronSchedule
from waterwheel.graph import NodeKind
from waterwheel.job_fields import DOCKER_KEYS, JOB_KEYS, RETRY_KEYS, TASK_KEYS, TRIGGER_KEYS
from waterwheel.jobdoc.dates import document_datetime
from waterwheel.jobdoc.errors import DocumentError, UnsupportedMediaType
from waterwheel.jobdoc.media import decode_body, decode_json
from waterwheel.jobdoc.references import Reference, parse_reference
from waterwheel.jobdoc.schema import JOB_SCHEMA, PROJECT_SCHEMA, validate
from waterwheel.jobdoc.seconds import to_seconds
from waterwheel.timeutil import format_datetime

__all__ = [
    "DockerSpec",
    "DocumentError",
    "JobSpec",
    "ProjectSpec",
    "RetrySpec",
    "TaskSpec",
    "TriggerSpec",
    "UnsupportedMediaType",
    "load_job",
    "load_project",
    "parse_job",
    "parse_project",
]

T = TypeVar("T")


@dataclass
class TriggerSpec:
    """A trigger; durations are in seconds."""

    name: str
    start: datetime
    end: datetime | None
    period: int | None
    cron: str | None
    offset: int = 0
    catchup: str = "earliest"


@dataclass
class RetrySpec:
    """Retry policy; a None delay means the server's default."""

    max_attempts: int
    delay: int | None
    backoff: str = "fixed"  # or "exponential": the delay doubles after each attempt
    max_delay: int | None = None


@dataclass
class DockerSpec:
    image: str
    args: list[str]
    env: list[str] | None
    command: list[str] | None = None  # replaces the image's entrypoint


@dataclass
class TaskSpec:
    """A task; no docker means a no-op task.  threshold is always filled in."""

    name: str
    docker: DockerSpec | None
    depends: list[Reference]
    depends_failure: list[Reference]
    threshold: int
    retry: RetrySpec | None
    timeout: int | None
    queue: str = "default"  # the worker queue it is routed to
    trigger_rule: str | None = None  # None: the token threshold decides
    skip_exit_code: int | None = None  # this exit code means "skipped"
    fail_exit_code: int | None = None  # this exit code means "failed, do not retry"
    # Key prefixes the task's stash token may write in the project stash.
    project_stash_write: tuple[str, ...] = ()


@dataclass
class JobSpec:
    """A validated job.  paused None means "new job: unpaused, existing job: unchanged"."""

    uuid: UUID
    project: str
    name: str
    description: str
    paused: bool | None
    triggers: list[TriggerSpec]
    tasks: list[TaskSpec]
    raw_definition: str


@dataclass
class ProjectSpec:
    """A validated project.  uuid None means "generate one"; config None keeps the stored one."""

    uuid: UUID | None
    name: str
    description: str
    config: Any


def load_job(body: bytes, content_type: str | None) -> JobSpec:
    """Decode a JSON or YAML request body and parse it as a job."""
    return parse_job(decode_body(body, content_type))


def load_project(body: bytes) -> ProjectSpec:
    """Decode a request body as JSON whatever its content type (as the original did)."""
    return parse_project(decode_json(body))


def parse_job(data: Any) -> JobSpec:
    """Validate decoded job data and convert it into a JobSpec."""
    validate(data, JOB_SCHEMA)
    project, name = data["project"], data["name"]
    triggers = [_parse_trigger(raw, f"triggers[{i}]") for i, raw in enumerate(data["triggers"])]
    tasks = [_parse_task(raw, f"tasks[{i}]", project, name) for i, raw in enumerate(data["tasks"])]
    _check_unique_names([trigger.name for trigger in triggers], "triggers", "trigger")
    _check_unique_names([task.name for task in tasks], "tasks", "task")
    uuid = _checked(UUID, data["uuid"], "uuid")
    return JobSpec(
        uuid=uuid,
        project=project,
        name=name,
        description=data["description"],
        paused=data.get("paused"),
        triggers=triggers,
        tasks=tasks,
        raw_definition=_raw_definition(data, uuid, triggers),
    )


def parse_project(data: Any) -> ProjectSpec:
    """Validate decoded project data and convert it into a ProjectSpec."""
    validate(data, PROJECT_SCHEMA)
    return ProjectSpec(
        uuid=_optional(UUID, data.get("uuid"), "uuid"),
        name=data["name"],
        description=data["description"],
        config=data.get("config"),
    )


def _parse_trigger(raw: dict[str, Any], field: str) -> TriggerSpec:
    start = _checked(document_datetime, raw["start"], f"{field}.start")
    end = _optional(document_datetime, raw.get("end"), f"{field}.end")
    if end is not None and end <= start:
        raise DocumentError("end must be after start", f"{field}.end")
    period, cron = raw.get("period"), raw.get("cron")
    if period is not None and cron is not None:
        raise DocumentError("Multiple schedule - cannot specify both cron and period", field)
    if period is None and cron is None:
        raise DocumentError("No schedule - either period or cron must be provided", field)
    _optional(CronSchedule, cron, f"{field}.cron")  # validation only: the text is stored
    offset = _optional(partial(to_seconds, signed=True), raw.get("offset"), f"{field}.offset")
    return TriggerSpec(
        name=raw["name"],
        start=start,
        end=end,
        period=_optional(
            partial(to_seconds, minimum=1), period, f"{field}.period", "Period is not valid: "
        ),
        cron=cron,
        offset=offset or 0,
        catchup=raw.get("catchup") or "earliest",
    )


def _parse_task(raw: dict[str, Any], field: str, project: str, job: str) -> TaskSpec:
    depends = _parse_references(raw.get("depends"), f"{field}.depends", project, job)
    depends_failure = _parse_references(
        raw.get("depends_failure"), f"{field}.depends_failure", project, job
    )
    for i, ref in enumerate(depends_failure):
        if ref.kind == NodeKind.TRIGGER:
            raise DocumentError(
                "depends_failure cannot reference a trigger since triggers can't fail",
                f"{field}.depends_failure[{i}]",
            )
    threshold = raw.get("threshold")
    skip_exit_code, fail_exit_code = raw.get("skip_exit_code"), raw.get("fail_exit_code")
    if fail_exit_code is not None and fail_exit_code == skip_exit_code:
        raise DocumentError(
            f"{fail_exit_code} is already the skip_exit_code", f"{field}.fail_exit_code"
        )
    return TaskSpec(
        name=raw["name"],
        docker=_parse_docker(raw.get("docker"), f"{field}.docker"),
        depends=depends,
        depends_failure=depends_failure,
        # Failure edges never count; an empty list means 1, not the original's 0
        # (a zero threshold re-runs the task on every token restore).
        threshold=(len(depends) or 1) if threshold is None else threshold,
        retry=_parse_retry(raw.get("retry"), f"{field}.retry"),
        timeout=_optional(partial(to_seconds, minimum=1), raw.get("timeout"), f"{field}.timeout"),
        queue=raw.get("queue") or "default",
        trigger_rule=raw.get("trigger_rule"),
        skip_exit_code=skip_exit_code,
        fail_exit_code=fail_exit_code,
        project_stash_write=tuple(raw.get("project_stash_write") or ()),
    )


def _parse_references(
    texts: list[str] | None, field: str, project: str, job: str
) -> list[Reference]:
    """Parse a dependency list; one upstream twice (even at other offsets) is an error."""
    refs = [_checked(parse_reference, text, f"{field}[{i}]") for i, text in enumerate(texts or [])]
    duplicate = _first_duplicate([ref.resolve(project, job).target for ref in refs])
    if duplicate:
        earlier, later = duplicate
        raise DocumentError(
            f"'{refs[later].text}' names the same upstream as {field}[{earlier}]",
            f"{field}[{later}]",
        )
    return refs


def _parse_docker(raw: dict[str, Any] | None, field: str) -> DockerSpec | None:
    if raw is None:
        return None
    env = raw.get("env")
    for i, entry in enumerate(env or []):
        # Caught here rather than as an error on every run of the task.
        name, equals, _ = entry.partition("=")
        if not (name and equals):
            raise DocumentError(f"expected NAME=VALUE, got '{entry}'", f"{field}.env[{i}]")
    return DockerSpec(image=raw["image"], args=raw["args"], env=env, command=raw.get("command"))


def _parse_retry(raw: dict[str, Any] | None, field: str) -> RetrySpec | None:
    if raw is None:
        return None
    delay = _optional(to_seconds, raw.get("delay"), f"{field}.delay")
    max_delay = _optional(to_seconds, raw.get("max_delay"), f"{field}.max_delay")
    return RetrySpec(
        max_attempts=raw["max_attempts"],
        delay=delay,
        backoff=raw.get("backoff") or "fixed",
        max_delay=max_delay,
    )


def _check_unique_names(names: list[str], field: str, kind: str) -> None:
    duplicate = _first_duplicate(names)
    if duplicate:
        earlier, later = duplicate
        raise DocumentError(
            f"duplicate {kind} name '{names[later]}' (also {field}[{earlier}])",
            f"{field}[{later}].name",
        )


def _first_duplicate(keys: Sequence[Hashable]) -> tuple[int, int] | None:
    """Indexes (first, second) of the first key seen twice."""
    seen: dict[Hashable, int] = {}
    for index, key in enumerate(keys):
        if key in seen:
            return seen[key], index
        seen[key] = index
    return None


def _checked(parse: Callable[[Any], T], value: Any, field: str, prefix: str = "") -> T:
    """parse(value), turning its ValueError into a DocumentError naming the field."""
    try:
        return parse(value)
    except ValueError as exc:
        reason = exc.reason if isinstance(exc, DocumentError) else str(exc)
        raise DocumentError(prefix + reason, field) from None


def _optional(parse: Callable[[Any], T], value: Any, field: str, prefix: str = "") -> T | None:
    """Like _checked, but an absent (None) value stays None."""
    return None if value is None else _checked(parse, value, field, prefix)


def _raw_definition(data: dict[str, Any], uuid: UUID, triggers: list[TriggerSpec]) -> str:
    """The document as stored and shown: known fields only, all present, in a fixed order.

    Durations and references stay as written; the uuid and datetimes are normalised.
    """
    document = _pick(data, JOB_KEYS) | {
        "uuid": str(uuid),
        "triggers": [
            _pick(raw, TRIGGER_KEYS)
            | {"start": format_datetime(spec.start), "end": format_datetime(spec.end)}
            for raw, spec in zip(data["triggers"], triggers, strict=True)
        ],
        "tasks": [
            _pick(raw, TASK_KEYS)
            | {
                "docker": _pick_optional(raw.get("docker"), DOCKER_KEYS),
                "retry": _pick_optional(raw.get("retry"), RETRY_KEYS),
            }
            for raw in data["tasks"]
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _pick(raw: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The given keys of raw, in that order, null when absent; other keys dropped."""
    return {key: raw.get(key) for key in keys}


def _pick_optional(raw: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    return None if raw is None else _pick(raw, keys)
