"""The API's own description: the OpenAPI 3.1 document, and the job and project
JSON Schemas it references for the bodies of ``/api/jobs`` and ``/api/projects``.

The document is kept as YAML beside this module (``openapi.yaml``) and served as
JSON. Its request bodies name the schemas by relative reference
(``job-schema.json``), which resolves to the routes below when the document is
fetched from ``/api/openapi.json``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from waterwheel.jobdoc import JOB_SCHEMA, PROJECT_SCHEMA, load_schema

bp = Blueprint("openapi", __name__)


def _load_document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("openapi.yaml").read_text("utf-8")
    return yaml.safe_load(text)


# Loaded once, at import: a broken document fails the app's start, not a request.
OPENAPI_DOCUMENT: dict[str, Any] = _load_document()


@bp.get("/api/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(OPENAPI_DOCUMENT)


@bp.get("/api/job-schema.json")
def job_schema() -> ResponseReturnValue:
    return jsonify(load_schema(JOB_SCHEMA))


@bp.get("/api/project-schema.json")
def project_schema() -> ResponseReturnValue:
    return jsonify(load_schema(PROJECT_SCHEMA))
