"""Issue 11, point 7: what a task can reach, and that it cannot forge results.

Task containers join the network WATERWHEEL_TASK_NETWORK names: ``auto`` is
the Docker engine's bridge where it has one, else the host network (as on
these test machines, whose dockerd runs with --bridge=none). Whatever a task
reaches, a progress message counts only when a worker signed it and it names
the attempt of the run that worker claimed."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import docker
import pytest
from docker.errors import DockerException, ImageNotFound, NotFound

from tests.helpers import create_project, deploy_job, insert_run, job_doc, task_ids
from tests.services import service_missing
from waterwheel.auth.tokens import StashGrant, TokenKeys
from waterwheel.broker.client import Broker
from waterwheel.broker.messages import Progress
from waterwheel.config import Settings
from waterwheel.db.models import TaskRun
from waterwheel.metrics import Metrics
from waterwheel.scheduler.claims import claim_runs
from waterwheel.scheduler.service import Scheduler
from waterwheel.states import State
from waterwheel.worker.engines import make_engine
from waterwheel.worker.engines.base import RunSpec
from waterwheel.worker.engines.docker import DockerEngine
from waterwheel.worker.engines.network import TaskNetwork

IMAGE = "waterwheel-test/busybox:1"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


# The network of task containers.


@pytest.fixture(scope="module")
def docker_client():
    try:
        client = docker.from_env()
        client.ping()
        client.images.get(IMAGE)
    except (DockerException, ImageNotFound):
        service_missing("the Docker engine and its test images", "scripts/start-docker.sh")
    yield client
    client.close()


def _has_bridge(client: docker.DockerClient) -> bool:
    try:
        client.networks.get("bridge")
    except NotFound:
        return False
    return True


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


def _interfaces(engine: DockerEngine) -> tuple[State, list[str]]:
    """The network interfaces a task on ``engine`` sees."""
    spec = RunSpec(
        uuid.uuid4(),
        IMAGE,
        ["ls", "/sys/class/net"],
        {"WATERWHEEL_SERVER_ADDR": "http://127.0.0.1:8080/"},
        None,
        30,
        "net",
    )
    out = Lines()
    result = engine.run(spec, out, threading.Event())
    return result.outcome, sorted(out.lines)


def test_the_setting_reaches_the_engine() -> None:
    settings = Settings.from_env({"WATERWHEEL_TASK_NETWORK": "none"})
    engine = make_engine("docker", settings.server_addr, settings.task_network)
    assert isinstance(engine, DockerEngine)
    assert engine.network_setting == "none"
    assert Settings().task_network == "auto"


def test_auto_is_bridge_where_the_engine_has_one_else_host(docker_client) -> None:
    engine = DockerEngine(grace=1)
    network = engine.network()
    if _has_bridge(docker_client):
        assert network.mode == "bridge"
        assert network.extra_hosts == {"host.docker.internal": "host-gateway"}
    else:
        assert network.mode == "host"
        assert "the Docker engine has no bridge network" in engine.isolation()
        assert "every service listening on the worker's host" in engine.isolation()
        outcome, seen = _interfaces(engine)
        assert outcome == State.SUCCESS
        assert seen == sorted(os.listdir("/sys/class/net"))  # the host's own


def test_network_none_reaches_nothing(docker_client) -> None:
    engine = DockerEngine(grace=1, network="none")
    assert "reach nothing" in engine.isolation()
    assert _interfaces(engine) == (State.SUCCESS, ["lo"])


def test_an_explicit_network_the_engine_lacks_never_falls_back_to_host(docker_client) -> None:
    if not _has_bridge(docker_client):
        # dockerd --bridge=none gives a "bridge" container no interface at all.
        assert _interfaces(DockerEngine(grace=1, network="bridge")) == (State.SUCCESS, ["lo"])
    engine = DockerEngine(grace=1, network=f"absent-{uuid.uuid4()}")
    spec = RunSpec(uuid.uuid4(), IMAGE, ["true"], {}, None, 30, "net")
    result = engine.run(spec, Lines(), threading.Event())
    assert result.outcome == State.ERROR
    assert engine.network_setting in result.message


def test_a_bridged_task_reaches_a_loopback_api_through_the_gateway_name() -> None:
    bridged = TaskNetwork("bridge", "test", {"host.docker.internal": "host-gateway"})
    assert bridged.server_addr("http://127.0.0.1:8080/") == "http://host.docker.internal:8080/"
    assert bridged.server_addr("http://localhost/ww/") == "http://host.docker.internal/ww/"
    assert bridged.server_addr("https://api.example:443/") == "https://api.example:443/"
    host = TaskNetwork("host", "test")
    assert host.server_addr("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"


# Forged progress.


@pytest.fixture
def scheduler(settings, db):
    broker = Broker.from_settings(replace(settings, amqp_addr="memory://"))
    yield Scheduler(settings, db, broker, Metrics.from_settings(settings))
    broker.close()


@pytest.fixture
def claimed(client, db):
    """A run of task ``a`` claimed by a worker: (run, the worker)."""
    create_project(client)
    task = task_ids(client, deploy_job(client, job_doc()))["a"]
    run_id = uuid.UUID(insert_run(db, task, T0, state="active"))
    worker = uuid.uuid4()
    with db.transaction() as session:
        assert claim_runs(session, worker, [run_id], datetime.now(UTC)).claimed == [run_id]
        run = session.get(TaskRun, run_id)
        return run, worker


def _progress(run: TaskRun, worker: uuid.UUID, **changes) -> Progress:
    return replace(
        Progress(
            run.id,
            run.task_id,
            run.trigger_datetime,
            T0,
            datetime.now(UTC),
            State.SUCCESS,
            worker,
            run.attempt,
        ),
        **changes,
    )


def _signed(keys: TokenKeys, progress: Progress) -> Progress:
    return replace(progress, signature=keys.sign_message(progress.signed_part()))


def _state(db, run: TaskRun) -> tuple[str, object]:
    with db.read() as session:
        found = session.get(TaskRun, run.id)
        return found.state, found.finish_datetime


def test_forged_progress_is_dropped(scheduler, claimed, db, settings, caplog) -> None:
    run, worker = claimed
    keys = TokenKeys.from_settings(settings)
    stranger = TokenKeys.from_settings(Settings(hmac_secret="another-installation-secret-0123456"))
    stash_token = keys.stash_token(
        StashGrant(run.task_id, uuid.uuid4(), uuid.uuid4(), run.trigger_datetime), 600
    )
    honest = _progress(run, worker)
    forged = {
        "unsigned": honest,
        "signed with another secret": _signed(stranger, honest),
        "a stash token as signature": replace(honest, signature=stash_token),
        "signed, then changed": replace(_signed(keys, honest), result=State.FAILURE),
        "another worker's": _signed(keys, _progress(run, uuid.uuid4())),
        "another attempt's": _signed(keys, _progress(run, worker, attempt=run.attempt + 1)),
    }
    with caplog.at_level(logging.WARNING, logger="waterwheel.scheduler.progress"):
        for why, progress in forged.items():
            scheduler._on_progress([progress])
            assert _state(db, run) == (State.RUNNING, None), why
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == len(forged)
    assert sum("signature is missing or wrong" in m for m in dropped) == 4
    assert (
        sum(f"the run is attempt {run.attempt}, claimed by worker {worker}" in m for m in dropped)
        == 2
    )

    scheduler._on_progress([_signed(keys, honest)])  # the worker's own word counts
    assert _state(db, run)[0] == State.SUCCESS
