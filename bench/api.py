"""Creating a 100-task job through the API, and reading its graph.

Prints the median and p95 of each over N rounds, on SQLite and on PostgreSQL
(WATERWHEEL_BENCH_PG_URL, default the local server's ``waterwheel_bench``).
Goal: medians under 100 ms. Run: ``python bench/api.py``.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid

import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from waterwheel.api import create_app
from waterwheel.config import Settings
from waterwheel.db import Database

ROUNDS = int(os.environ.get("WATERWHEEL_BENCH_ROUNDS", "30"))
TASKS = 100
PG_URL = os.environ.get(
    "WATERWHEEL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/waterwheel_bench"
)


def job_document(project: str, name: str) -> dict:
    """A trigger feeding a chain of fan-outs: each task depends on the one
    before it and on the trigger, so edges and references are exercised too."""
    tasks = []
    for i in range(TASKS):
        depends = ["trigger/hourly"] + ([f"task/task-{i - 1}"] if i else [])
        tasks.append(
            {
                "name": f"task-{i}",
                "docker": {"image": "busybox", "args": ["true"], "env": [f"N={i}"]},
                "depends": depends,
                "retry": {"max_attempts": 3, "delay": "1m"},
                "timeout": "10m",
            }
        )
    return {
        "uuid": str(uuid.uuid4()),
        "project": project,
        "name": name,
        "description": "benchmark job",
        "paused": True,
        "triggers": [{"name": "hourly", "start": "2025-01-01T00:00:00Z", "period": "1h"}],
        "tasks": tasks,
    }


def fresh_postgres() -> str:
    url = sa.engine.make_url(PG_URL)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(label: str, db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    app = create_app(Settings(hmac_secret="bench" * 8, no_authz=True), db=db)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.port}"
    http = requests.Session()
    http.post(f"{base}/api/projects", json={"name": "bench", "description": "bench"})

    create, graph = [], []
    for i in range(ROUNDS):
        doc = job_document("bench", f"job-{i}")
        started = time.perf_counter()
        response = http.post(f"{base}/api/jobs", json=doc)
        create.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.text
        started = time.perf_counter()
        response = http.get(f"{base}/api/jobs/{doc['uuid']}/graph")
        graph.append((time.perf_counter() - started) * 1000)
        assert len(response.json()["nodes"]) == TASKS + 1
    server.shutdown()
    db.dispose()
    for name, values in (("create 100-task job", create), ("read its graph", graph)):
        print(
            f"{label:10} {name:20} median {statistics.median(values):6.1f} ms"
            f"  p95 {percentile(values, 0.95):6.1f} ms  (n={len(values)})"
        )


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db")
    run("postgresql", fresh_postgres())
    return 0


if __name__ == "__main__":
    sys.exit(main())
