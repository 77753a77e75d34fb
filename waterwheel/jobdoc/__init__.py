"""The job document: decoding, validation and typed specs (no database, no Flask)."""

from waterwheel.jobdoc.document import (
    DockerSpec,
    JobSpec,
    ProjectSpec,
    RetrySpec,
    TaskSpec,
    TriggerSpec,
    load_job,
    load_project,
    parse_job,
    parse_project,
)
from waterwheel.jobdoc.errors import DocumentError, UnsupportedMediaType
from waterwheel.jobdoc.media import SUPPORTED_TYPES, decode_body
from waterwheel.jobdoc.references import Reference, parse_reference
from waterwheel.jobdoc.schema import JOB_SCHEMA, PROJECT_SCHEMA, load_schema

__all__ = [
    "JOB_SCHEMA",
    "PROJECT_SCHEMA",
    "SUPPORTED_TYPES",
    "DockerSpec",
    "DocumentError",
    "JobSpec",
    "ProjectSpec",
    "Reference",
    "RetrySpec",
    "TaskSpec",
    "TriggerSpec",
    "UnsupportedMediaType",
    "decode_body",
    "load_job",
    "load_project",
    "load_schema",
    "parse_job",
    "parse_project",
    "parse_reference",
]
