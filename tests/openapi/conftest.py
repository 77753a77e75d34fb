"""Fixtures of the OpenAPI tests: settings without Redis, and an app without a
database."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers import HMAC_SECRET
from waterwheel.api import create_app
from waterwheel.config import Settings
from waterwheel.db import Database


@pytest.fixture
def settings() -> Settings:
    """The database's log store, so that the scenario needs no Redis; the 503 of
    an unreachable Redis is exercised by a second app configured with one."""
    return Settings(hmac_secret=HMAC_SECRET, no_authz=True, redis_url=None)


@pytest.fixture
def bare_app(settings: Settings) -> Flask:
    """An app for the checks that need no database."""
    app = create_app(settings, db=Database("sqlite://"))
    app.testing = True
    return app
