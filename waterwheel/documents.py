"""Job and project documents as files: load, check offline, order for deploy.

``waterwheel jobs validate`` and ``jobs deploy`` share this, and report with
the same messages the API gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from waterwheel.graph import NodeKind
from waterwheel.jobdoc import DocumentError, JobSpec, decode_body, parse_job, parse_project

YAML_SUFFIXES = {".yml", ".yaml"}


def content_type(path: Path) -> str:
    return "application/yaml" if path.suffix.lower() in YAML_SUFFIXES else "application/json"


@dataclass
class Document:
    path: Path
    body: bytes
    kind: str  # "project" or "job"
    job: JobSpec | None = None
    name: str = ""


def load(path: Path) -> Document:
    """Read and check one file; raises DocumentError (or OSError) with the reason."""
    body = path.read_bytes()
    data: Any = decode_body(body, content_type(path))
    if isinstance(data, dict) and "tasks" not in data and "triggers" not in data:
        project = parse_project(data)
        return Document(path, body, "project", name=project.name)
    job = parse_job(data)
    return Document(path, body, "job", job=job, name=f"{job.project}/{job.name}")


def check_references(documents: list[Document]) -> dict[Path, str]:
    """Offline: references inside each job, and to the other jobs given.

    References to jobs not among the files cannot be checked here; the server
    checks them at deploy.
    """
    known = {d.name: d.job for d in documents if d.job}
    problems: dict[Path, str] = {}
    for doc in documents:
        if doc.job is None:
            continue
        for where, ref in _references(doc.job):
            target = known.get(f"{ref.project or doc.job.project}/{ref.job or doc.job.name}")
            if target is None:
                continue
            names = {
                t.name for t in (target.tasks if ref.kind == NodeKind.TASK else target.triggers)
            }
            if ref.name not in names:
                problems[doc.path] = f"{where}: reference '{ref.text}' not found"
                break
    return problems


def _references(job: JobSpec):
    for i, task in enumerate(job.tasks):
        for field_name in ("depends", "depends_failure"):
            for j, ref in enumerate(getattr(task, field_name)):
                yield f"tasks[{i}].{field_name}[{j}]", ref


def deploy_order(documents: list[Document]) -> list[Document]:
    """Projects first, then jobs with the jobs they reference before them."""
    projects = [d for d in documents if d.kind == "project"]
    jobs = {d.name: d for d in documents if d.kind == "job"}
    ordered: list[Document] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        doc = jobs.get(name)
        if doc is None or doc in ordered or name in visiting:
            return
        visiting.add(name)
        for _, ref in _references(doc.job):
            visit(f"{ref.project or doc.job.project}/{ref.job or doc.job.name}")
        ordered.append(doc)

    for name in jobs:
        visit(name)
    return projects + ordered


# Putting documents on a server: one PUT per document (jobs deploy, airflow deploy).

TIMEOUT_SECONDS = 30


def error_text(response: requests.Response) -> str:
    """The API's ``{"error": ...}`` message, else the body."""
    try:
        return response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return response.text.strip()


def put_document(base: str, doc: Document) -> str | None:
    """PUT one project or job document; None when accepted, else the reason."""
    url = f"{base}/api/{'projects' if doc.kind == 'project' else 'jobs'}"
    try:
        response = requests.put(
            url,
            data=doc.body,
            headers={"Content-Type": content_type(doc.path)},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        return f"cannot reach {base}: {exc}"
    return None if response.ok else f"{response.status_code} {error_text(response)}"


__all__ = [
    "Document",
    "DocumentError",
    "check_references",
    "deploy_order",
    "error_text",
    "load",
    "put_document",
]
