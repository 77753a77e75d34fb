"""The ``waterwheel`` command: db upgrade, jobs validate, jobs deploy, JSON logs."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from werkzeug.serving import make_server

from tests.helpers import SAMPLES
from tests.services import drop_postgres, empty_postgres
from waterwheel import logsetup
from waterwheel.cli.main import main
from waterwheel.db.models import Base

JOBS = sorted(p for p in SAMPLES.iterdir() if p.name not in {"project.json", "invalid.yml"})


def waterwheel(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "waterwheel", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database with nothing in it, of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    url = empty_postgres(f"waterwheel_empty_{os.getpid()}")
    yield url.render_as_string(hide_password=False)
    drop_postgres(url)


def test_db_upgrade_builds_the_schema_and_is_idempotent(empty_database):
    env = os.environ | {"WATERWHEEL_DB_URL": empty_database}
    for _ in range(2):
        result = waterwheel("db", "upgrade", env=env)
        assert result.returncode == 0, result.stderr
        assert "is up to date" in result.stdout
    engine = sa.create_engine(empty_database.replace("postgresql://", "postgresql+psycopg://"))
    tables = set(sa.inspect(engine).get_table_names())
    with engine.connect() as connection:  # the migrations build what the models describe
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()
    expected = {"project", "job", "trigger", "task", "token", "task_run", "retry", "worker"}
    assert (
        expected | {"scheduler", "global_stash", "project_stash", "job_stash", "task_log"} <= tables
    )


def test_validate_accepts_the_samples_and_names_what_is_wrong(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["jobs", "validate", str(SAMPLES / "project.json"), *map(str, JOBS)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.count(": ok (") == len(JOBS) + 1
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            json.loads((SAMPLES / "simple.json").read_text())
            | {"triggers": [{"name": "x", "start": "2025-01-01T00:00:00Z", "period": "0s"}]}
        )
    )
    bad = runner.invoke(main, ["jobs", "validate", str(SAMPLES / "invalid.yml"), str(broken)])
    assert bad.exit_code == 1
    assert "invalid.yml: tasks[0].depends[0]: reference 'task/x' not found" in bad.output
    assert "broken.json: triggers[0].period: Period is not valid" in bad.output
    assert "2 document(s) failed to validate" in bad.output


@pytest.fixture
def server(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # keep the output to the CLI's
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.port}"
    http.shutdown()


def test_deploy_posts_upstream_jobs_first_with_progress(server, tmp_path, client):
    # xjob.yml depends on "complex dag": given first, it must still be deployed second.
    files = [SAMPLES / "xjob.yml", SAMPLES / "complex-dag.yml", SAMPLES / "project.json"]
    result = CliRunner().invoke(main, ["jobs", "deploy", "--server", server, *map(str, files)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        str(SAMPLES / "project.json"),
        str(SAMPLES / "complex-dag.yml"),
        str(SAMPLES / "xjob.yml"),
    ]
    assert all("deployed" in line for line in lines)
    found = client.get(
        "/api/jobs", query_string={"project": "test_project", "name": "cross job dependency"}
    )
    assert found.status_code == 200


def test_deploy_reports_each_failure_and_exits_non_zero(server, tmp_path):
    # The project is missing on the server: every job is refused with its reason.
    files = [SAMPLES / "simple.json", SAMPLES / "retry.json"]
    result = CliRunner().invoke(main, ["jobs", "deploy", "--server", server, *map(str, files)])
    assert result.exit_code == 1
    assert "simple.json: 400 project: project 'test_project' not found" in result.output
    assert "retry.json: 400 project: project 'test_project' not found" in result.output
    unreachable = CliRunner().invoke(
        main, ["jobs", "deploy", "--server", "http://127.0.0.1:9", str(SAMPLES / "project.json")]
    )
    assert unreachable.exit_code == 1
    assert "cannot reach http://127.0.0.1:9" in unreachable.output


def test_json_log_gives_one_object_per_line(capsys):
    logsetup.configure("info", json_lines=True)
    try:
        logging.getLogger("waterwheel.test").warning("hello %s", "there")
    finally:
        logsetup.configure("warn", json_lines=False)
    (line,) = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "warning",
        "waterwheel.test",
        "hello there",
    )
    assert entry["file"].endswith("test_cli.py") and entry["line"] > 0


def test_the_installed_command_answers(tmp_path):
    assert shutil.which("waterwheel") is not None
    result = waterwheel("--help")
    assert result.returncode == 0
    for command in ("standalone", "server", "api", "scheduler", "worker", "db", "jobs", "airflow"):
        assert f"  {command} " in result.stdout
