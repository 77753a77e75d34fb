from __future__ import annotations

import click

from waterwheel.config import Settings
from waterwheel.db import Database


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
def upgrade() -> None:
    """Create or migrate the schema at WATERWHEEL_DB_URL (safe to repeat)."""
    settings = Settings.from_env()
    database = Database(settings.db_url)
    database.upgrade()
    database.dispose()
    click.echo(f"database at {settings.db_url} is up to date")
