"""Fixtures of the compat tests: the DAG corpus loaded once, a real API
server in a thread (SQLite), and deployed DAGs whose tasks can be run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from waterwheel.api import create_app
from waterwheel.compat import loader
from waterwheel.config import Settings
from waterwheel.db import Database

from .compat_support import DAGS, SECRET, Run, Server, deploy, translated


@pytest.fixture(scope="session")
def corpus() -> dict[str, loader.FileResult]:
    """Every file of the corpus, loaded once, by file name."""
    return {result.path.name: result for result in loader.load_folder(DAGS)}


@pytest.fixture(scope="session")
def dags(corpus: dict[str, loader.FileResult]) -> dict[str, tuple[Any, str]]:
    """Every DAG of the corpus with its detected flavour, by dag_id."""
    return {dag.dag_id: (dag, r.flavour) for r in corpus.values() for dag in r.dags}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = Settings(hmac_secret=SECRET, no_authz=True)
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('api') / 'waterwheel.db'}")
    db.upgrade()
    http = make_server("127.0.0.1", 0, create_app(settings, db=db), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{http.server_port}/", settings, db)
    http.shutdown()
    thread.join()
    db.dispose()


@pytest.fixture
def run_of(server: Server, dags: dict[str, tuple[Any, str]]):
    """``run_of(dag_id, trigger_datetime)``: the DAG deployed, ready to run tasks."""

    def make(dag_id: str, trigger_datetime: str = "2024-03-05T00:00:00Z") -> Run:
        translation = translated(dags, dag_id)
        return Run(server, deploy(server, translation), translation, trigger_datetime)

    return make
