"""The ``waterwheel`` command group, with every command added."""

from __future__ import annotations

import click

from waterwheel.cli import db, jobs, serve
from waterwheel.compat import cli as compat_cli


@click.group()
@click.version_option(package_name="waterwheel")
def main() -> None:
    """Waterwheel: a workflow scheduler of containerised tasks."""


main.add_command(db.db)
main.add_command(jobs.jobs)
main.add_command(compat_cli.airflow)
for command in serve.commands:
    main.add_command(command)
