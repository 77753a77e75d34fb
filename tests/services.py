"""Reaching the real services the tests use, and what a missing one does.

PostgreSQL is found at WATERWHEEL_TEST_PG_URL (default: the local server). A
service that cannot be reached fails the test under CI=true and skips it, with
a message saying what to start, elsewhere.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from waterwheel.db import Database

PG_URL = os.environ.get(
    "WATERWHEEL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/waterwheel_test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(what: str, start: str) -> None:
    """Fail under CI, skip elsewhere: a missing service must not pass silently."""
    message = f"{what} is not reachable; start it with: {start}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)  # outside CI only: under CI=true it failed above


def empty_postgres(name: str) -> sa.URL:
    """A new, empty PostgreSQL database (dropped first if it was left behind)."""
    url = sa.engine.make_url(PG_URL).set(database=name)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    except sa.exc.OperationalError:
        service_missing(
            "PostgreSQL", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    finally:
        admin.dispose()
    return url


def fresh_postgres(use: str) -> Database:
    """A new database for ``use``, of this test process: parallel runs, and the
    uses within one run, never drop each other's."""
    base = sa.engine.make_url(PG_URL).database
    url = empty_postgres(f"{base}_{use}_{os.getpid()}")
    return Database(url.render_as_string(hide_password=False))


def drop_postgres(url: sa.URL) -> None:
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()
