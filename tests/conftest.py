"""Fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL is found at WATERWHEEL_TEST_PG_URL (default: the local server). When
it cannot be reached the PostgreSQL half fails under CI=true and is skipped,
with a message saying what to start, elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from waterwheel.api import create_app
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import Base
from waterwheel.timeutil import parse_datetime

PG_URL = os.environ.get(
    "WATERWHEEL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/waterwheel_test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
SAMPLES = Path(__file__).parent / "data" / "original-jobs"  # written for the original
HMAC_SECRET = "test-secret-that-is-long-enough-for-hs256"


@pytest.fixture(autouse=True, scope="session")
def _test_now() -> Iterator[None]:
    """WATERWHEEL_TEST_NOW=2027-12-31T23:59:50Z runs the suite's own process from
    that moment on (the clock ticks from there; processes the tests start keep
    the real time): how tests that depend on the date are found. Tests that need
    a moment of their own set it with the ``time_machine`` fixture."""
    at = os.environ.get("WATERWHEEL_TEST_NOW")
    if not at:
        yield
        return
    with time_machine.travel(parse_datetime(at), tick=True):
        yield


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


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Database]]:
    made: dict[str, Database] = {}
    yield made
    for db in made.values():
        db.dispose()
    if "postgresql" in made:
        drop_postgres(made["postgresql"].engine.url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(
    request: pytest.FixtureRequest, _databases: dict[str, Database], tmp_path_factory
) -> Database:
    """A migrated, empty database of each kind (migrated once, emptied per test)."""
    kind = request.param
    if kind not in _databases:
        if kind == "sqlite":
            path = tmp_path_factory.mktemp("sqlite") / "waterwheel.db"
            database = Database(f"sqlite:///{path}")
        else:
            database = fresh_postgres("unit")
        database.upgrade()
        _databases[kind] = database
    database = _databases[kind]
    with database.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    return database


@pytest.fixture
def settings() -> Settings:
    return Settings(hmac_secret=HMAC_SECRET, no_authz=True)


@pytest.fixture
def app(settings: Settings, db: Database):
    app = create_app(settings, db=db)
    app.testing = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()
