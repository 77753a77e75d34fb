"""``waterwheel airflow image`` on the real Docker engine: the image it builds
from waterwheel-test/python:1 loads and translates the corpus DAGs exactly as
this checkout does and renders templates; bases it cannot use, a missing
engine and a missing DAG folder are refused with a message saying why."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from click.testing import CliRunner, Result

import waterwheel
from tests.services import service_missing
from waterwheel.cli.main import main
from waterwheel.compat.image import HOST_PYTHON, RUNNER_REQUIREMENTS, runtime_distributions

DAGS = Path(__file__).resolve().parents[1] / "compat" / "dags"
BASE = "waterwheel-test/python:1"
BUSYBOX = "waterwheel-test/busybox:1"
TAG = "waterwheel-test/airflow:image-test"

# Run here and in the image: every DAG file's jobs (or error), and a template
# rendered by the runner's Jinja environment; only where Waterwheel is differs.
LOAD_AND_TRANSLATE = """
import json, sys
from pathlib import Path
import waterwheel
from waterwheel.compat import loader, templating
from waterwheel.compat.translate import translate

dags = Path(sys.argv[1])
jobs = {}
for result in loader.load_folder(dags):
    jobs[result.path.name] = result.error or [
        translate(dag, project="p", flavour=result.flavour, dags_folder=dags).document
        for dag in result.dags
    ]
with loader.shim_imports(dags):
    (dag,) = loader.load_file(dags / "v2_bash_daily.py").dags
    rendered = templating.render_value(
        dag.get_task("show"), "{{ params.who | upper }} on {{ ds }}",
        {"params": {"who": "world"}, "ds": "2024-01-01"},
    )
text = json.dumps({"jobs": jobs, "rendered": rendered}, sort_keys=True)
print(text.replace(str(Path(waterwheel.__file__).parent), "<waterwheel>"))
"""

# Run in a clean interpreter: the top-level modules (and their files) that the
# runner's side of waterwheel.compat, the whole shim and the corpus DAGs import.
IMPORTED = """
import importlib, json, pkgutil, sys
from pathlib import Path
before = set(sys.modules)
import waterwheel.compat
from waterwheel.compat import loader
for module in pkgutil.iter_modules(waterwheel.compat.__path__, "waterwheel.compat."):
    if module.name not in ("waterwheel.compat.cli", "waterwheel.compat.image"):
        importlib.import_module(module.name)
dags = Path(sys.argv[1])
with loader.shim_imports(dags):
    import airflow
    for module in pkgutil.walk_packages(airflow.__path__, "airflow."):
        importlib.import_module(module.name)
    for path in loader.dag_files(dags):
        loader.load_file(path)
    new = {name.partition(".")[0] for name in set(sys.modules) - before}
    print(json.dumps({name: getattr(sys.modules[name], "__file__", None) for name in new}))
"""


def image_command(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["airflow", "image", *args], env=env)


def local_image(client: docker.DockerClient, name: str, script: str) -> None:
    try:
        client.images.get(name)
    except docker.errors.ImageNotFound:
        service_missing(f"Docker image {name}", f"scripts/start-docker.sh && {script}")


@pytest.fixture(scope="module")
def client() -> docker.DockerClient:
    try:
        engine = docker.from_env()
    except docker.errors.DockerException:
        service_missing("Docker", "scripts/start-docker.sh")
    local_image(engine, BASE, "scripts/docker-python-image.sh")
    return engine


@pytest.fixture(scope="module")
def built(client: docker.DockerClient) -> Iterator[Result]:
    """The command run once on the corpus DAG folder; the image goes afterwards."""
    yield image_command(str(DAGS), "--tag", TAG, "--base", BASE)
    client.images.remove(TAG, force=True)


def test_the_image_loads_and_translates_the_dags_as_here(client, built):
    assert built.exit_code == 0, built.output
    assert f"checking the Python of {BASE}" in built.output
    assert f"adding the DAG folder {DAGS}" in built.output
    assert f"built {TAG}" in built.output
    for name in runtime_distributions():
        assert f"adding {name} {importlib.metadata.version(name)}" in built.output
    here = subprocess.run(
        [sys.executable, "-c", LOAD_AND_TRANSLATE, str(DAGS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    there = client.containers.run(
        TAG,
        entrypoint=["python3", "-c", LOAD_AND_TRANSLATE, str(DAGS)],
        network_mode="none",
        remove=True,
    ).decode()
    assert json.loads(there) == json.loads(here)
    loaded = json.loads(there)
    assert loaded["rendered"] == "WORLD on 2024-01-01"
    jobs = loaded["jobs"]
    assert sum(len(found) for found in jobs.values() if isinstance(found, list)) > 30
    assert "No module named" in jobs["broken_missing_module.py"]
    (bash_daily,) = jobs["v2_bash_daily.py"]
    assert bash_daily["tasks"][0]["docker"]["args"][0] == str(DAGS / "v2_bash_daily.py")


def test_the_image_holds_what_the_runner_imports():
    """What the image gets (RUNNER_REQUIREMENTS and what they require, read from
    the installed metadata) covers every module that the runner's modules, the
    shim and the corpus DAGs import beyond the standard library and Waterwheel,
    and each of RUNNER_REQUIREMENTS is imported (none is there for nothing)."""
    output = subprocess.run(
        [sys.executable, "-I", "-c", IMPORTED, str(DAGS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    package = Path(waterwheel.__file__).parent
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    by_module = importlib.metadata.packages_distributions()
    needed = set()
    for name, file in json.loads(output).items():
        where = Path(file) if file else None
        if where and (where.is_relative_to(package) or where.is_relative_to(DAGS)):
            continue  # Waterwheel with its shim, the DAG files and their helpers
        if name in by_module:
            needed.update(by_module[name])
        elif name not in sys.stdlib_module_names and not (where and where.is_relative_to(stdlib)):
            needed.add(f"{name} ({file})")
    assert needed <= set(runtime_distributions())
    assert set(RUNNER_REQUIREMENTS) <= needed


def test_a_missing_base_image_is_named(client):
    result = image_command(str(DAGS), "--tag", TAG, "--base", "waterwheel-test/absent:0")
    assert result.exit_code == 1
    assert "base image waterwheel-test/absent:0 is not on the Docker engine" in result.output


def test_a_base_without_python_is_refused(client):
    local_image(client, BUSYBOX, "scripts/docker-images.sh")
    result = image_command(str(DAGS), "--tag", TAG, "--base", BUSYBOX)
    assert result.exit_code == 1
    assert f"cannot run python3 in {BUSYBOX}: the base needs Python {HOST_PYTHON}" in result.output
    assert "executable file not found" in result.output


def test_a_base_with_another_python_is_refused(client, tmp_path):
    """A python3 that answers as another minor version would (busybox has no
    interpreter, so a script stands in for one)."""
    local_image(client, BUSYBOX, "scripts/docker-images.sh")
    other = f"3.{sys.version_info.minor + 1}"
    script = tmp_path / "python3"
    script.write_text(f"#!/bin/sh\necho Python {other}.0\n")
    script.chmod(0o755)
    (tmp_path / "Dockerfile").write_text(f"FROM {BUSYBOX}\nCOPY python3 /bin/python3\n")
    fake = "waterwheel-test/other-python:image-test"
    client.images.build(path=str(tmp_path), tag=fake, rm=True)
    try:
        result = image_command(str(DAGS), "--tag", TAG, "--base", fake)
    finally:
        client.images.remove(fake, force=True)
    assert result.exit_code == 1
    assert f"{fake} has Python {other}: the base needs Python {HOST_PYTHON}" in result.output


def test_an_invalid_tag_is_named(client):
    result = image_command(str(DAGS), "--tag", "Not A Tag", "--base", BASE)
    assert result.exit_code == 1
    assert "invalid tag 'Not A Tag'" in result.output


def test_an_unreachable_engine_is_named(tmp_path):
    result = image_command(
        str(DAGS), "--tag", TAG, env={"DOCKER_HOST": f"unix://{tmp_path}/docker.sock"}
    )
    assert result.exit_code == 1
    assert "cannot reach the Docker engine" in result.output


def test_a_missing_dags_folder_is_named(tmp_path):
    result = image_command(str(tmp_path / "dags"), "--tag", TAG)
    assert result.exit_code == 2
    assert f"Directory '{tmp_path / 'dags'}' does not exist" in result.output
