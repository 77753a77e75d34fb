"""Each metric reaches a real UDP socket with its exact name, type and tags."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

from waterwheel.config import ConfigError, Settings
from waterwheel.metrics import Metrics

WORKER = uuid.UUID("00000000-0000-0000-0000-00000000000a")
PROJECT = uuid.UUID("00000000-0000-0000-0000-00000000000b")
JOB = uuid.UUID("00000000-0000-0000-0000-00000000000c")


@pytest.fixture
def collector() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


@pytest.fixture
def metrics(collector: socket.socket) -> Metrics:
    host, port = collector.getsockname()
    return Metrics.from_settings(Settings(statsd_server=f"{host}:{port}"))


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda m: m.triggers_queued(7), "waterwheel.triggers.queued:7|g"),
        (lambda m: m.task_enqueued("high"), "waterwheel.tasks.enqueued:1|c|#priority:high"),
        (lambda m: m.task_received(WORKER), f"waterwheel.tasks.received:1|c|#worker_id:{WORKER}"),
        (
            lambda m: m.tasks_running(WORKER, 3),
            f"waterwheel.tasks.running:3|g|#worker_id:{WORKER}",
        ),
        (
            lambda m: m.task_finished(WORKER, "timeout"),
            f"waterwheel.tasks.total:1|c|#worker_id:{WORKER},result:timeout",
        ),
        (lambda m: m.stash_get("global"), "waterwheel.stash.get:1|c|#global"),
        (
            lambda m: m.stash_get("project", PROJECT),
            f"waterwheel.stash.get:1|c|#project,proj_id:{PROJECT}",
        ),
        (lambda m: m.stash_get("job", JOB), f"waterwheel.stash.get:1|c|#job,job_id:{JOB}"),
    ],
)
def test_metric_datagram(metrics: Metrics, collector: socket.socket, call, expected: str) -> None:
    call(metrics)
    assert collector.recv(4096).decode() == expected


def test_one_datagram_per_metric_in_order(metrics: Metrics, collector: socket.socket) -> None:
    metrics.tasks_running(WORKER, 1)
    metrics.tasks_running(WORKER, 0)
    assert collector.recv(4096).decode().startswith("waterwheel.tasks.running:1|g")
    assert collector.recv(4096).decode().startswith("waterwheel.tasks.running:0|g")


def test_without_a_server_metrics_are_a_no_op() -> None:
    metrics = Metrics.from_settings(Settings(statsd_server=None))
    metrics.task_enqueued("normal")
    metrics.stash_get("global")


@pytest.mark.parametrize("server", ["localhost", "host:port", ":8125"])
def test_bad_server_address_is_a_config_error(server: str) -> None:
    with pytest.raises(ConfigError, match="STATSD_SERVER"):
        Metrics.from_settings(Settings(statsd_server=server))
