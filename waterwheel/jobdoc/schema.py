"""The published JSON Schemas, and validation against them with readable errors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from waterwheel.jobdoc.errors import DocumentError

JOB_SCHEMA = "job-schema.json"
PROJECT_SCHEMA = "project-schema.json"

# JSON Schema counts 1.0 as an integer; the original's parser did not, and a float
# threshold would leak into the stored definition.
_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)

_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


@cache
def load_schema(filename: str) -> dict[str, Any]:
    """A schema shipped with the package, e.g. ``load_schema(JOB_SCHEMA)``; do not mutate it."""
    return json.loads(resources.files(__package__).joinpath(filename).read_text("utf-8"))


@cache
def _validator(filename: str) -> Draft202012Validator:
    return _Validator(load_schema(filename))


def validate(data: Any, filename: str) -> None:
    """Raise DocumentError for the most relevant violation of the schema, naming its field."""
    error = best_match(_validator(filename).iter_errors(data))
    if error is not None:
        raise DocumentError(_reason(error), field_path(error.absolute_path))


def field_path(parts: Iterable[str | int]) -> str | None:
    """``["tasks", 2, "docker"]`` -> ``tasks[2].docker``; None for the document itself."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
    return text.removeprefix(".") or None


def _reason(error: ValidationError) -> str:
    """jsonschema's message, except where it would print Python reprs of whole values."""
    if error.validator == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        return f"expected {' or '.join(expected)}, got {_json_type(error.instance)}"
    if error.validator == "enum":
        return "must be one of " + ", ".join(json.dumps(value) for value in error.validator_value)
    return error.message


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)
