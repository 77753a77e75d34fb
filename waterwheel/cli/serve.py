"""The long-running processes: api, scheduler, worker, server, standalone."""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.serving import BaseWSGIServer, make_server

from waterwheel import logsetup
from waterwheel.api import create_app
from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.client import Broker
from waterwheel.broker.publisher import BrokerPublisher
from waterwheel.config import ConfigError, Settings
from waterwheel.db import Database
from waterwheel.metrics import Metrics
from waterwheel.scheduler.service import Scheduler
from waterwheel.worker.service import Worker


def _settings(**overrides: object) -> Settings:
    try:
        settings = Settings.from_env(**overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    logsetup.configure(settings.log, settings.json_log)
    return settings


def _keys(settings: Settings) -> TokenKeys:
    """The signing keys every process needs; a missing or short secret stops
    the process at start with a message saying so, not a traceback."""
    try:
        return TokenKeys.from_settings(settings)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _host_port(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host or "127.0.0.1", int(port)


def _wait_for_signal() -> None:
    """Block until SIGINT (Ctrl-C) or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(1):
        pass


def _app(settings: Settings, db: Database, broker: Broker) -> Flask:
    return create_app(settings, db=db, publisher=BrokerPublisher(broker))


class _Gunicorn(BaseApplication):
    """Gunicorn with threaded workers (the log websockets hold a thread each).
    The app is built in each worker process, after the fork, so no database or
    broker connection is shared between processes."""

    def __init__(self, build: Callable[[], Flask], options: dict[str, object]) -> None:
        self.build = build
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.build()


@click.command()
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes")
@click.option("--threads", default=16, show_default=True, help="threads per worker")
def api(workers: int, threads: int) -> None:
    """Serve the REST API and web UI at WATERWHEEL_SERVER_BIND (production)."""
    settings = _settings()
    _keys(settings)  # checked before gunicorn forks workers that would fail one by one

    def build() -> Flask:
        return _app(settings, Database(settings.db_url), Broker.from_settings(settings))

    options = {
        "bind": settings.server_bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": "-",
        "preload_app": False,
    }
    _Gunicorn(build, options).run()


@click.command()
def scheduler() -> None:
    """Fire triggers and run the token net; several may run at once (PostgreSQL)."""
    settings = _settings()
    _keys(settings)  # progress messages are verified with them
    db = Database(settings.db_url)
    broker = Broker.from_settings(settings)
    running = Scheduler(settings, db, broker, Metrics.from_settings(settings)).start()
    _wait_for_signal()
    running.stop()


@click.command()
def worker() -> None:
    """Run tasks from the broker on the task engine (WATERWHEEL_TASK_ENGINE)."""
    settings = _settings()
    broker = Broker.from_settings(settings)
    keys = _keys(settings)
    running = Worker(settings, broker, keys, Metrics.from_settings(settings)).start()
    _wait_for_signal()
    running.stop()


def _serve(app: Flask, bind: str) -> BaseWSGIServer:
    host, port = _host_port(bind)
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="api-server", daemon=True).start()
    return server


@click.command()
def server() -> None:
    """The API and a scheduler in one process, as the original's server."""
    settings = _settings()
    _keys(settings)
    db = Database(settings.db_url)
    broker = Broker.from_settings(settings)
    http = _serve(_app(settings, db, broker), settings.server_bind)
    running = Scheduler(settings, db, broker, Metrics.from_settings(settings)).start()
    click.echo(f"Waterwheel server: API at http://{http.host}:{http.port}/api/")
    _wait_for_signal()
    running.stop()
    http.shutdown()


def standalone_settings(environ_settings: Settings) -> Settings:
    """The embedded default: a SQLite file, the in-process broker, no Redis (logs
    in the database), the local engine, and a fresh signing key, unless the
    environment names something else."""
    overrides: dict[str, object] = {"no_authz": True}
    env = os.environ
    if "WATERWHEEL_AMQP_ADDR" not in env:
        overrides["amqp_addr"] = "memory://"
    if "WATERWHEEL_REDIS_URL" not in env:
        overrides["redis_url"] = None
    if "WATERWHEEL_TASK_ENGINE" not in env:
        overrides["task_engine"] = "local"
    if not (environ_settings.hmac_secret or environ_settings.public_key):
        # One process signs and checks its own tokens: a fresh key is enough.
        overrides["hmac_secret"] = secrets.token_urlsafe(32)
    return dataclasses.replace(environ_settings, **overrides)


@click.command()
def standalone() -> None:
    """Everything in one process on the embedded default: no services needed."""
    settings = standalone_settings(_settings())
    keys = _keys(settings)
    db = Database(settings.db_url)
    db.upgrade()
    broker = Broker.from_settings(settings)
    app = _app(settings, db, broker)
    http = _serve(app, settings.server_bind)
    base = f"http://{http.host}:{http.port}/"
    settings = dataclasses.replace(settings, server_addr=base)
    metrics = Metrics.from_settings(settings)
    running_scheduler = Scheduler(settings, db, broker, metrics).start()
    if settings.amqp_addr.startswith("memory://"):
        running_scheduler.requeue_queued()  # their messages went with the last process
    running_worker = Worker(settings, broker, keys, metrics, api_app=app).start()
    database = settings.db_url
    if database.startswith("sqlite:///"):
        database = str(Path(database.removeprefix("sqlite:///")).resolve())
    click.echo("Waterwheel standalone is running (Ctrl-C stops it).")
    click.echo(f"  API:      {base}api/  (OpenAPI: {base}api/openapi.json)")
    click.echo(f"  database: {database}")
    click.echo(f"  engine:   {settings.task_engine}, {settings.max_tasks} tasks at once")
    _wait_for_signal()
    click.echo("stopping: no new tasks are taken; running ones are handed back")
    running_worker.stop()
    # What the worker reported as it stopped is applied before the scheduler
    # stops: the in-process broker keeps no message beyond the process.
    broker.wait_taken(broker.topology.results_queue, timeout=10)
    running_scheduler.stop()
    http.shutdown()
    broker.close()
    db.dispose()
    click.echo("stopped")


commands = [api, scheduler, worker, server, standalone]
