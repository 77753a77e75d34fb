"""The Flask app: the public REST API (``/api``), the internal one (``/int-api``)
for workers and tasks, ``/healthcheck``, and the web UI's pages."""

from __future__ import annotations

from flask import Flask

from waterwheel.api import (
    cluster,
    converters,
    errors,
    health,
    internal,
    jobs,
    logs,
    openapi,
    projects,
    runs,
    stash,
    tasks,
    tokens,
)
from waterwheel.api.services import EXTENSION, Services
from waterwheel.auth.opa import Authorizer
from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.publisher import NullPublisher, Publisher
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.metrics import Metrics
from waterwheel.web import views as web

BLUEPRINTS = (health, projects, jobs, tasks, tokens, runs, stash, cluster, internal, openapi, web)


def create_app(
    settings: Settings,
    db: Database | None = None,
    publisher: Publisher | None = None,
) -> Flask:
    app = Flask(__name__)
    app.json.sort_keys = False
    app.url_map.converters["id"] = converters.IdConverter
    app.url_map.converters["dt"] = converters.DatetimeConverter
    app.extensions[EXTENSION] = Services(
        settings=settings,
        db=db or Database(settings.db_url),
        publisher=publisher or NullPublisher(),
        keys=TokenKeys.from_settings(settings),
        metrics=Metrics.from_settings(settings),
        authorizer=Authorizer(settings),
    )
    errors.register(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    logs.register(app)
    return app
