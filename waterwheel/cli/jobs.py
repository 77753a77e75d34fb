"""``waterwheel jobs validate`` and ``jobs deploy``."""

from __future__ import annotations

from pathlib import Path

import click

from waterwheel import documents
from waterwheel.cli.failures import exit_if_failed
from waterwheel.config import Settings

FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@click.group()
def jobs() -> None:
    """Job documents."""


def _load_all(files: tuple[Path, ...]) -> tuple[list[documents.Document], dict[Path, str]]:
    loaded, failures = [], {}
    for path in files:
        try:
            loaded.append(documents.load(path))
        except (documents.DocumentError, OSError) as exc:
            failures[path] = str(exc)
    failures.update(documents.check_references(loaded))
    return loaded, failures


@jobs.command()
@FILES
def validate(files: tuple[Path, ...]) -> None:
    """Check job and project documents offline, with the API's messages."""
    loaded, failures = _load_all(files)
    for doc in loaded:
        if doc.path not in failures:
            click.echo(f"{doc.path}: ok ({doc.kind} {doc.name})")
    exit_if_failed(failures, "document(s) failed to validate")


@jobs.command()
@FILES
@click.option("--server", help="API base URL [default: WATERWHEEL_SERVER_ADDR]")
def deploy(files: tuple[Path, ...], server: str | None) -> None:
    """Post projects and jobs to a server, upstream jobs first."""
    base = (server or Settings.from_env().server_addr).rstrip("/")
    loaded, failures = _load_all(files)
    for doc in documents.deploy_order([d for d in loaded if d.path not in failures]):
        reason = documents.put_document(base, doc)
        if reason is None:
            click.echo(f"{doc.path}: deployed {doc.kind} {doc.name}")
        else:
            failures[doc.path] = reason
            click.echo(f"{doc.path}: failed")
    exit_if_failed(failures, "document(s) failed to deploy")
