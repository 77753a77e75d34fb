"""The OpenAPI document names exactly the routes the app registers, each with the
path parameters its template names."""

from __future__ import annotations

import re

from flask import Flask

from tests.openapi.spec import deref, documented_operations, operations


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/api/jobs/<id:job_id>`` -> ``/api/jobs/{job_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def app_operations(app: Flask) -> set[tuple[str, str]]:
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/int-api/", "/healthcheck"))  # not the UI's pages
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }


def test_every_route_is_documented_and_every_documented_route_exists(bare_app: Flask) -> None:
    registered, documented = app_operations(bare_app), documented_operations()
    assert sorted(registered - documented) == [], "routes missing from openapi.yaml"
    assert sorted(documented - registered) == [], "documented operations the app lacks"


def test_path_parameters_match_the_path_templates() -> None:
    """Every operation declares exactly the path parameters its template names."""
    for path, method, operation in operations():
        declared = {
            p["name"] for p in map(deref, operation.get("parameters", [])) if p["in"] == "path"
        }
        assert declared == set(re.findall(r"{([^}]+)}", path)), (path, method)
