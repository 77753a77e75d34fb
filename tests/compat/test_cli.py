"""``waterwheel airflow translate | deploy | trigger``."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from waterwheel.compat.cli import airflow
from waterwheel.compat.loader import load_folder

from .compat_support import DAGS


def invoke(*args: str):
    return CliRunner().invoke(airflow, list(args), catch_exceptions=False)


def test_translate_writes_one_document_per_dag_and_names_failures(tmp_path: Path) -> None:
    result = invoke("translate", str(DAGS), "--project", "p", "--out", str(tmp_path))
    assert result.exit_code == 1
    written = sorted(p.stem for p in tmp_path.glob("*.json"))
    expected = sorted(d.dag_id for r in load_folder(DAGS) for d in r.dags)
    assert written == expected and len(written) >= 30
    assert f"{DAGS / 'v2_branch.py'}: v2_branch (Airflow 2)" in result.output
    assert "6 failed to translate:" in result.output
    assert "broken_pendulum.py:3: `import pendulum`: pendulum is not available" in result.output
    assert "warning: DAG v2_unsupported, task limited: pool='db'" in result.output
    document = json.loads((tmp_path / "v2_branch.json").read_text())
    assert document["project"] == "p" and document["name"] == "v2_branch"


def test_translate_pins_the_flavour_and_the_image(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAGS / "v2_bash_daily.py", dags)
    out = tmp_path / "out"
    result = invoke(
        "translate", str(dags), "--project", "p", "--out", str(out),
        "--airflow-version", "3", "--image", "mine:2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads((out / "v2_bash_daily.json").read_text())
    (task, *_) = document["tasks"]
    assert task["docker"]["image"] == "mine:2"
    assert "WATERWHEEL_AIRFLOW_VERSION=3" in task["docker"]["env"]
    assert "offset" not in document["triggers"][0]


def test_deploy_creates_the_project_and_jobs_and_keeps_the_pause_state(
    tmp_path: Path, server
) -> None:
    for name in ("v2_bash_daily.py", "v3_params.py"):
        shutil.copy(DAGS / name, tmp_path)
    base = server.base
    project = "deployed_by_cli"
    result = invoke("deploy", str(tmp_path), "--project", project, "--server", base)
    assert result.exit_code == 0, result.output
    assert "v2_bash_daily: deployed as job deployed_by_cli/v2_bash_daily" in result.output
    found = requests.get(
        server.url("api/jobs"), params={"project": project, "name": "v2_bash_daily"}, timeout=10
    ).json()
    assert found["paused"] is True  # Airflow's dags_are_paused_at_creation
    requests.put(
        server.url(f"api/jobs/{found['id']}/paused"), json={"paused": False}, timeout=10
    ).raise_for_status()
    again = invoke("deploy", str(tmp_path), "--project", project, "--server", base)
    assert again.exit_code == 0, again.output
    job = requests.get(server.url(f"api/jobs/{found['id']}"), timeout=10).json()
    assert job["paused"] is False  # paused-on-creation applies on creation only
    triggers = requests.get(server.url(f"api/jobs/{found['id']}/triggers"), timeout=10).json()
    assert [(t["cron"], t["trigger_offset"]) for t in triggers] == [("0 0 * * *", 86400)]


def test_deploy_names_what_failed(tmp_path: Path, server) -> None:
    shutil.copy(DAGS / "broken_exception.py", tmp_path)
    result = invoke("deploy", str(tmp_path), "--project", "x", "--server", server.base)
    assert result.exit_code == 1
    assert "broken_exception.py:6:" in result.output


@pytest.fixture
def trigger_api():
    """A stand-in for the trigger route the API is getting (job lookup + trigger)."""
    app = Flask("trigger-stub")
    calls: list[dict] = []

    @app.get("/api/jobs")
    def find():
        if request.args.get("name") != "v3_params":
            return jsonify({"error": "job not found"}), 404
        return jsonify({"id": "0d9f3a1e-0000-4000-8000-000000000001", "name": "v3_params"})

    @app.post("/api/jobs/<job_id>/trigger")
    def trigger(job_id: str):
        calls.append({"job_id": job_id, "body": request.get_json()})
        return jsonify({"trigger_datetime": "2024-03-05T10:00:00Z"}), 201

    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", calls
    http.shutdown()
    thread.join()


def test_trigger_posts_the_conf_to_the_job(trigger_api) -> None:
    base, calls = trigger_api
    result = invoke(
        "trigger", "v3_params", "--project", "p", "--conf", '{"size": 7}', "--server", base
    )
    assert result.exit_code == 0, result.output
    assert "triggered p/v3_params at 2024-03-05T10:00:00Z" in result.output
    assert calls == [
        {"job_id": "0d9f3a1e-0000-4000-8000-000000000001", "body": {"conf": {"size": 7}}}
    ]
    invoke("trigger", "v3_params", "--project", "p", "--server", base)
    assert calls[-1]["body"] == {"conf": {}}


def test_trigger_errors(trigger_api) -> None:
    base, _ = trigger_api
    missing = invoke("trigger", "nope", "--project", "p", "--server", base)
    assert missing.exit_code == 1
    assert "no job p/nope: 404 job not found" in missing.output
    bad = invoke("trigger", "v3_params", "--project", "p", "--conf", "[1]", "--server", base)
    assert bad.exit_code == 2
    assert "must be a JSON object" in bad.output
