"""The Flask app: the public REST API (``/api``), the internal one (``/int-api``)
for workers and tasks, and ``/healthcheck``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from waterwheel.api import converters, errors
from waterwheel.auth.opa import Authorizer
from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.publisher import NullPublisher, Publisher
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.metrics import Metrics


@dataclass
class Services:
    """What the views need, created once per app."""

    settings: Settings
    db: Database
    publisher: Publisher
    keys: TokenKeys
    metrics: Metrics
    authorizer: Authorizer


def services() -> Services:
    return current_app.extensions["waterwheel"]


def create_app(
    settings: Settings,
    db: Database | None = None,
    publisher: Publisher | None = None,
) -> Flask:
    from waterwheel.api import (
        cluster,
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
    from waterwheel.web import views as web

    app = Flask(__name__)
    app.json.sort_keys = False
    app.url_map.converters["id"] = converters.IdConverter
    app.url_map.converters["dt"] = converters.DatetimeConverter
    app.extensions["waterwheel"] = Services(
        settings=settings,
        db=db or Database(settings.db_url),
        publisher=publisher or NullPublisher(),
        keys=TokenKeys.from_settings(settings),
        metrics=Metrics.from_settings(settings),
        authorizer=Authorizer(settings),
    )
    errors.register(app)
    for module in (
        health,
        projects,
        jobs,
        tasks,
        tokens,
        runs,
        stash,
        cluster,
        internal,
        openapi,
        web,
    ):
        app.register_blueprint(module.bp)
    logs.register(app)
    return app
