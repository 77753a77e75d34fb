"""Long-running processes: ``waterwheel api`` and ``waterwheel standalone``."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from waterwheel import logsetup
from waterwheel.api import create_app
from waterwheel.config import Settings
from waterwheel.db import Database


def _settings(**overrides: object) -> Settings:
    settings = Settings.from_env(**overrides)
    logsetup.configure(settings.log, settings.json_log)
    return settings


def _host_port(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host or "127.0.0.1", int(port)


class _Gunicorn(BaseApplication):
    """Gunicorn serving an app object we built, with threaded workers so the
    log websockets do not hold a whole process each."""

    def __init__(self, app: Flask, options: dict[str, object]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


@click.command()
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
@click.option("--threads", default=16, show_default=True, help="threads per worker")
def api(workers: int, threads: int) -> None:
    """Serve the REST API and web UI at WATERWHEEL_SERVER_BIND (production)."""
    settings = _settings()
    app = create_app(settings)
    options = {
        "bind": settings.server_bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": "-",
    }
    _Gunicorn(app, options).run()


@click.command()
def standalone() -> None:
    """Everything in one process on the embedded default: SQLite, no services."""
    overrides: dict[str, object] = {"no_authz": True}
    env = Settings.from_env()
    if not (env.hmac_secret or env.public_key):
        # One process signs and checks its own tokens: a fresh key is enough.
        overrides["hmac_secret"] = secrets.token_urlsafe(32)
    settings = _settings(**overrides)
    database = Database(settings.db_url)
    database.upgrade()
    app = create_app(settings, db=database)
    host, port = _host_port(settings.server_bind)
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    click.echo(f"Waterwheel standalone: database {settings.db_url}")
    click.echo(f"API at http://{host}:{server.port}/api/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.server_close()
        database.dispose()


commands = [api, standalone]
