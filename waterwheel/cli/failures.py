"""Ending a command that handled many files: what failed, then exit 1."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import click


def exit_if_failed(failures: Mapping[object, str], summary: str) -> None:
    """Print the count and ``summary`` (e.g. "failed to deploy"), then each
    failure and its reason, on stderr, and exit 1; return when none failed."""
    if failures:
        click.echo(f"{len(failures)} {summary}:", err=True)
        for what, reason in failures.items():
            click.echo(f"  {what}: {reason}", err=True)
        sys.exit(1)
