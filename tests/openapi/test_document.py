"""The OpenAPI document itself: valid OpenAPI 3.1 holding only JSON data, unique
operation ids, the security of the internal routes, and served as loaded with
every reference outside it resolving."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from tests.openapi.spec import DOC, DOC_URI, deref, operations
from waterwheel.jobdoc import JOB_SCHEMA, PROJECT_SCHEMA, load_schema


def test_document_is_valid_openapi_31() -> None:
    assert DOC["openapi"].startswith("3.1.")
    validate_openapi(DOC, base_uri=DOC_URI)
    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for _, _, operation in operations():
        for parameter in map(deref, operation.get("parameters", [])):
            Draft202012Validator.check_schema(parameter["schema"])
        for response in operation["responses"].values():
            for media in deref(response).get("content", {}).values():
                Draft202012Validator.check_schema(media.get("schema", {}))


def test_document_holds_only_json_data() -> None:
    """The YAML must not load as anything JSON cannot carry (dates, non-string keys...)."""
    assert json.loads(json.dumps(DOC)) == DOC


def test_operation_ids_are_unique() -> None:
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids))


def test_int_api_routes_declare_their_security() -> None:
    """Routes that check a JWT name its scheme; the others under /int-api say why not."""
    schemes = set(DOC["components"]["securitySchemes"])
    assert schemes == {"configToken", "stashToken"}
    for path, method, operation in operations():
        security = operation.get("security")
        if security:
            assert {name for requirement in security for name in requirement} <= schemes
            assert {"401", "403"} & set(operation["responses"]), (path, method)
        elif path.startswith("/int-api/"):
            assert security == [] or "no stash token" in operation.get("description", ""), path


def test_served_documents_and_their_external_refs(bare_app: Flask) -> None:
    """The document is served as loaded, and every reference outside it resolves,
    relative to where it is served, to a route answering that JSON Schema."""
    client = bare_app.test_client()
    assert client.get("/api/openapi.json").get_json() == DOC
    refs: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and not node["$ref"].startswith("#"):
                refs.add(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(DOC)
    served = {}
    for ref in refs:
        response = client.get(urlsplit(urljoin(DOC_URI, ref)).path)
        assert response.status_code == 200, ref
        Draft202012Validator.check_schema(response.get_json())
        served[ref] = response.get_json()
    assert served == {
        "job-schema.json": load_schema(JOB_SCHEMA),
        "project-schema.json": load_schema(PROJECT_SCHEMA),
    }
    body = DOC["paths"]["/api/jobs"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/yaml"} <= set(body)
    projects_body = DOC["paths"]["/api/projects"]["put"]["requestBody"]["content"]
    assert projects_body["application/json"]["schema"] == {"$ref": "project-schema.json"}
