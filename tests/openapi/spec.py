"""The OpenAPI document (waterwheel/api/openapi.yaml) as the tests read it: its
operations, its local references followed, and Api, which calls the app and
checks each response against the schema the document gives for its path, method
and status code."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from waterwheel.api.openapi import OPENAPI_DOCUMENT

DOC = OPENAPI_DOCUMENT
DOC_URI = "http://localhost/api/openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

T0 = "2025-01-01T00:00:00Z"
T1 = "2025-01-02T00:00:00Z"
T0_AS_BRISBANE = "2025-01-01T10:00:00+10:00"  # T0 with another offset


def documented_operations() -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in DOC["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, DOC["paths"][path][method])
        for path, method in sorted(documented_operations())
    ]


def deref(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (to components) until an object without one."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = DOC
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _pointer(parts: list[str]) -> str:
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return "#/" + quote("/".join(escaped), safe="/~")


class Api:
    """Calls the app and checks each response against the document: the status
    must be documented for the operation, and the body must match its content."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._registry = Registry().with_resource(
            DOC_URI, Resource.from_contents(DOC, default_specification=DRAFT202012)
        )
        self.seen: set[tuple[str, str, str]] = set()

    def call(
        self,
        method: str,
        template: str,
        expect: int | None,
        path: dict[str, Any] | None = None,
        **request: Any,
    ) -> TestResponse:
        url = template.format(**{k: quote(str(v), safe=":+@") for k, v in (path or {}).items()})
        response = self.client.open(url, method=method, **request)
        where = f"{method} {url}"
        if expect is not None:
            assert response.status_code == expect, (
                f"{where}: {response.status_code} {response.text}"
            )
        self.check(template, method.lower(), response, where)
        return response

    def get(self, template: str, expect: int | None, **kwargs: Any) -> TestResponse:
        return self.call("GET", template, expect, **kwargs)

    def put(self, template: str, expect: int | None, **kwargs: Any) -> TestResponse:
        return self.call("PUT", template, expect, **kwargs)

    def post(self, template: str, expect: int | None, **kwargs: Any) -> TestResponse:
        return self.call("POST", template, expect, **kwargs)

    def delete(self, template: str, expect: int | None, **kwargs: Any) -> TestResponse:
        return self.call("DELETE", template, expect, **kwargs)

    def check(self, template: str, method: str, response: TestResponse, where: str) -> None:
        operation = DOC["paths"][template][method]
        status = str(response.status_code)
        assert status in operation["responses"], f"{where}: undocumented status {status}"
        location = ["paths", template, method, "responses", status]
        documented = operation["responses"][status]
        if "$ref" in documented:
            location = documented["$ref"][2:].split("/")
            documented = deref(documented)
        content = documented.get("content")
        if not content:
            assert response.data == b"", f"{where}: documented without a body: {response.data!r}"
        else:
            mimetype = response.mimetype
            assert mimetype in content, f"{where}: {mimetype} is not among {sorted(content)}"
            schema = location + ["content", mimetype, "schema"]
            if mimetype == "application/json":
                self.validate(response.get_json(), schema, where)
            elif mimetype.startswith("text/"):
                self.validate(response.text, schema, where)
        self.seen.add((template, method, status))

    def validate(self, instance: Any, location: list[str], where: str) -> None:
        """Validate against the schema at ``location`` in the document, with its
        ``$ref``s resolved there and the uuid and date-time formats asserted."""
        schema = {"$ref": DOC_URI + _pointer(location)}
        validator = Draft202012Validator(
            schema,
            registry=self._registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        error = best_match(validator.iter_errors(instance))
        if error is not None:
            pytest.fail(f"{where}: {error.message} at {list(error.absolute_path)}\n{instance!r}")

    def unexercised(self, success: bool) -> list[tuple[str, str, str]]:
        return sorted(
            (path, method, status)
            for path, method, operation in operations()
            for status in operation["responses"]
            if status.startswith("2") == success and status != "500"
            if (path, method, status) not in self.seen
            if not _authorization_answer(path, operation["responses"][status])
        )


AUTHORIZATION_ANSWERS = {
    "#/components/responses/Forbidden",
    "#/components/responses/AuthorizationUnavailable",
}


def _authorization_answer(path: str, response: dict[str, Any]) -> bool:
    """The OPA answers of /api routes: this scenario runs with authorization off,
    test_authz.py runs it on."""
    return path.startswith("/api/") and response.get("$ref") in AUTHORIZATION_ANSWERS
