"""``waterwheel airflow``: Airflow DAG folders as Waterwheel jobs.

``translate`` writes one job document per DAG, ``deploy`` puts them on a
server (creating the project when needed), ``trigger`` starts a manual run
with a conf, ``image`` builds the image the tasks run in. Each file's
outcome is printed as it is loaded; the command fails, naming them, when any
file or DAG could not be handled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import requests

from waterwheel import documents
from waterwheel.cli.failures import exit_if_failed
from waterwheel.compat import loader
from waterwheel.compat.image import DEFAULT_BASE, HOST_PYTHON, ImageError, build_image
from waterwheel.compat.translate import DEFAULT_IMAGE, Translation, translate
from waterwheel.config import Settings
from waterwheel.documents import TIMEOUT_SECONDS, error_text, put_document
from waterwheel.jobdoc import DocumentError, parse_job

DAGS_DIR = click.argument("dags_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
PROJECT = click.option("--project", required=True, help="Waterwheel project of the jobs.")
VERSION = click.option(
    "--airflow-version",
    type=click.Choice(["2", "3"]),
    help="Airflow flavour of the DAG files [default: detected per file from its imports]",
)
IMAGE = click.option(
    "--image",
    default=DEFAULT_IMAGE,
    show_default=True,
    help="Image with Python, Jinja, Waterwheel and the DAG folder at the same path.",
)
SERVER = click.option("--server", help="API base URL [default: WATERWHEEL_SERVER_ADDR]")


@click.group()
def airflow() -> None:
    """Airflow DAG files as Waterwheel jobs."""


def _base(server: str | None) -> str:
    return (server or Settings.from_env().server_addr).rstrip("/")


def _translate_folder(
    dags_dir: Path, project: str, version: str | None, image: str
) -> tuple[list[Translation], dict[str, str]]:
    """Load and translate every DAG file, reporting each; failures by file or DAG."""
    translations: list[Translation] = []
    failures: dict[str, str] = {}
    folder = dags_dir.resolve()
    for result in loader.load_folder(folder, version):
        if result.error:
            click.echo(f"{result.path}: failed", err=True)
            click.echo(result.traceback or "", err=True)
            failures[str(result.path)] = result.error
            continue
        names = ", ".join(dag.dag_id for dag in result.dags) or "no DAG"
        click.echo(f"{result.path}: {names} (Airflow {result.flavour})")
        for dag in result.dags:
            translation = translate(
                dag, project=project, flavour=result.flavour, image=image, dags_folder=folder
            )
            for warning in translation.warnings:
                click.echo(f"  warning: {warning}", err=True)
            try:
                parse_job(translation.document)
            except DocumentError as exc:
                failures[f"DAG {dag.dag_id}"] = f"the job document is invalid: {exc}"
                continue
            translations.append(translation)
    return translations, failures


@airflow.command("translate")
@DAGS_DIR
@PROJECT
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the job documents (<dag_id>.json).",
)
@VERSION
@IMAGE
def translate_command(
    dags_dir: Path, project: str, out: Path, airflow_version: str | None, image: str
) -> None:
    """Write one job document per DAG found under DAGS_DIR."""

    translations, failures = _translate_folder(dags_dir, project, airflow_version, image)
    out.mkdir(parents=True, exist_ok=True)
    for translation in translations:
        path = out / f"{translation.dag_id}.json"
        path.write_text(json.dumps(translation.document, indent=2) + "\n")
        click.echo(f"  wrote {path}")
    exit_if_failed(failures, "failed to translate")


def _get(url: str, **params: str) -> requests.Response:
    return requests.get(url, params=params, timeout=TIMEOUT_SECONDS)


def _ensure_project(base: str, project: str) -> str | None:
    """Create the project unless it exists; None when it is there, else the reason."""
    try:
        if _get(f"{base}/api/projects", name=project).status_code != 404:
            return None
    except requests.RequestException as exc:
        return f"cannot reach {base}: {exc}"
    body = json.dumps({"name": project, "description": "Airflow DAGs"}).encode()
    doc = documents.Document(Path("project.json"), body, "project", name=project)
    return put_document(base, doc)


def _job_document(base: str, translation: Translation) -> documents.Document:
    """The job as a document to put; an existing job keeps its pause state
    (Airflow's is_paused_upon_creation applies on creation only)."""
    document: dict[str, Any] = dict(translation.document)
    found = _get(f"{base}/api/jobs", project=document["project"], name=document["name"])
    if found.ok:
        document.pop("paused")
    name = f"{document['project']}/{document['name']}"
    body = json.dumps(document).encode()
    return documents.Document(Path(f"{translation.dag_id}.json"), body, "job", name=name)


@airflow.command()
@DAGS_DIR
@PROJECT
@VERSION
@IMAGE
@SERVER
def deploy(
    dags_dir: Path, project: str, airflow_version: str | None, image: str, server: str | None
) -> None:
    """Translate the DAGs under DAGS_DIR and put them on a server as jobs."""

    base = _base(server)
    translations, failures = _translate_folder(dags_dir, project, airflow_version, image)
    problem = _ensure_project(base, project) if translations else None
    if problem:
        failures[f"project {project}"] = problem
        translations = []
    for translation in translations:
        try:
            reason = put_document(base, _job_document(base, translation))
        except requests.RequestException as exc:
            reason = f"cannot reach {base}: {exc}"
        if reason:
            failures[f"DAG {translation.dag_id}"] = reason
            click.echo(f"  {translation.dag_id}: failed ({reason})")
        else:
            click.echo(f"  {translation.dag_id}: deployed as job {project}/{translation.dag_id}")
    exit_if_failed(failures, "failed to deploy")


@airflow.command()
@click.argument("dag_id")
@PROJECT
@click.option("--conf", "conf_text", default="{}", help="JSON object: the run's dag_run.conf.")
@SERVER
def trigger(dag_id: str, project: str, conf_text: str, server: str | None) -> None:
    """Start a manual run of DAG_ID now, with a conf."""
    try:
        conf = json.loads(conf_text)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--conf") from None
    if not isinstance(conf, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--conf")
    base = _base(server)
    try:
        found = _get(f"{base}/api/jobs", project=project, name=dag_id)
        if not found.ok:
            raise click.ClickException(
                f"no job {project}/{dag_id}: {found.status_code} {error_text(found)}"
            )
        job_id = found.json()["id"]
        response = requests.post(
            f"{base}/api/jobs/{job_id}/trigger", json={"conf": conf}, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        raise click.ClickException(f"cannot reach {base}: {exc}") from None
    if not response.ok:
        raise click.ClickException(
            f"trigger of {project}/{dag_id} failed: {response.status_code} {error_text(response)}"
        )
    click.echo(f"triggered {project}/{dag_id} at {response.json()['trigger_datetime']}")


@airflow.command("image")
@DAGS_DIR
@click.option(
    "--tag",
    required=True,
    help="Name of the image to build; give it to translate/deploy as --image"
    f" (their default: {DEFAULT_IMAGE}).",
)
@click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    help="Image to build FROM: must be on the Docker engine already (it is never pulled)"
    f" and have Python {HOST_PYTHON} as python3, like this Waterwheel; bash for Bash tasks.",
)
def image_command(dags_dir: Path, tag: str, base: str) -> None:
    """Build the image the tasks of DAGS_DIR run in.

    No registry or package index is used: on top of the base it adds this
    Waterwheel package and the packages the runner imports (Jinja2,
    MarkupSafe, croniter, python-dateutil, six), copied from this Python
    installation onto the image's PYTHONPATH, and DAGS_DIR at its absolute
    path here, where translated jobs look for it. Packages the DAGs themselves
    import must be in the base. Build again whenever the DAG files change.
    """
    try:
        build_image(dags_dir, tag, base, echo=click.echo)
    except ImageError as exc:
        raise click.ClickException(str(exc)) from None
