"""Fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL is found as services.py says; when it cannot be reached the
PostgreSQL half fails under CI=true and is skipped, with a message saying what
to start, elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import time_machine
from helpers import HMAC_SECRET
from services import drop_postgres, fresh_postgres

from waterwheel.api import create_app
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import Base
from waterwheel.timeutil import parse_datetime


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
