"""The broker layer, on a real RabbitMQ and on the in-process memory transport.

RabbitMQ is found at WATERWHEEL_TEST_AMQP_URL. Each test names its exchanges
and queues under its own prefix, so parallel runs do not meet. The restart
test stops and starts the local RabbitMQ application with rabbitmqctl.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import kombu
import pytest
from services import service_missing

from waterwheel.broker.client import Broker
from waterwheel.broker.consumer import Consumer, Kind
from waterwheel.broker.messages import (
    ActivateTokens,
    ClearTokens,
    ConfigUpdate,
    Progress,
    TaskRequest,
    UnpauseJob,
    parse_config_update,
    parse_token_op,
    parse_trigger_update,
)
from waterwheel.broker.publisher import BrokerPublisher
from waterwheel.broker.topology import Topology

AMQP_URL = os.environ.get("WATERWHEEL_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
START_RABBITMQ = "rabbitmq-server -detached (or, if the node runs: rabbitmqctl start_app)"
WORKER_QUEUES = ("default", "gpu")
AT = datetime(2025, 1, 3, 10, 0, tzinfo=UTC)


@functools.cache
def _rabbitmq_reachable() -> bool:
    try:
        with kombu.Connection(AMQP_URL, connect_timeout=2) as conn:
            conn.connect()
    except Exception:
        return False
    return True


def _delete_entities(topology: Topology) -> None:
    queues = [topology.results_queue, topology.tokens_queue]
    queues += [topology.task_queue(name) for name in WORKER_QUEUES]
    exchanges = [
        topology.tasks_exchange,
        topology.results_exchange,
        topology.triggers_exchange,
        topology.tokens_exchange,
        topology.config_exchange,
    ]
    with kombu.Connection(AMQP_URL) as conn:
        for entity in queues + exchanges:
            with contextlib.suppress(*conn.channel_errors), conn.channel() as channel:
                entity(channel).delete()


@pytest.fixture(params=["amqp", "memory"])
def broker(request: pytest.FixtureRequest) -> Iterator[Broker]:
    topology = Topology(prefix=f"wwtest.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    if request.param == "memory":
        with Broker("memory://", topology=topology) as memory_broker:
            yield memory_broker
        return
    if not _rabbitmq_reachable():
        service_missing("RabbitMQ", START_RABBITMQ)
    with Broker(AMQP_URL, topology=topology) as amqp_broker:
        yield amqp_broker
    _delete_entities(topology)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the broker")
        time.sleep(0.02)


@contextlib.contextmanager
def running(
    broker: Broker, kind: Kind, handler: Callable[[Any, Any], None], **options: Any
) -> Iterator[None]:
    """Consume in a thread, from once it is connected to the end of the block."""
    connected = threading.Event()
    consumer = Consumer(broker, on_connect=connected.set)
    consumer.consume(kind, handler, **{"prefetch": 10, **options})
    consumer.start()
    try:
        assert connected.wait(10), "the consumer did not connect"
        yield
    finally:
        assert consumer.stop(), "the consumer did not stop"


def waiting_messages(broker: Broker, queue: kombu.Queue) -> int:
    with broker.connection() as conn:
        return queue(conn.default_channel).queue_declare(passive=True).message_count


def task_request(priority: str = "normal") -> TaskRequest:
    return TaskRequest(uuid.uuid4(), uuid.uuid4(), AT, priority, 1)


def test_task_queue_delivers_higher_priorities_first(broker: Broker) -> None:
    for priority in ("backfill", "low", "normal", "high"):
        broker.publish_task(task_request(priority))
    got: list[str] = []
    with running(broker, Kind.TASKS, lambda req, _: got.append(req.priority), prefetch=1):
        wait_for(lambda: len(got) == 4)
    assert got == ["high", "normal", "low", "backfill"]


def test_task_goes_only_to_workers_of_its_queue(broker: Broker) -> None:
    default, gpu = task_request(), task_request()
    broker.publish_task(default)
    broker.publish_task(gpu, queue="gpu")
    got: list[TaskRequest] = []
    with running(broker, Kind.TASKS, lambda req, _: got.append(req), prefetch=1):
        wait_for(lambda: len(got) == 1)
        time.sleep(0.3)
    assert got == [default]
    with running(broker, Kind.TASKS, lambda req, _: got.append(req), prefetch=1, queues=["gpu"]):
        wait_for(lambda: len(got) == 2)
    assert got == [default, gpu]


def test_progress_is_acked_after_its_handler(broker: Broker) -> None:
    ended = Progress(
        uuid.uuid4(), uuid.uuid4(), AT, AT, AT, "failure", uuid.uuid4(), 1, "exit code 98", 98
    )
    handed_back = Progress(
        uuid.uuid4(), uuid.uuid4(), AT, AT, AT, "error", uuid.uuid4(), 2, "stopped", None, True
    )
    broker.publish_progress(ended)
    broker.publish_progress(handed_back)
    got: list[Progress] = []
    with running(broker, Kind.PROGRESS, lambda value, _: got.append(value), prefetch=100):
        wait_for(lambda: len(got) == 2)
    assert got == [ended, handed_back]
    assert waiting_messages(broker, broker.topology.results_queue) == 0


def _batch_consumer(broker: Broker, handler: Callable[[list], None], size: int) -> Consumer:
    consumer = Consumer(broker)
    consumer.consume_batches(Kind.PROGRESS, handler, size=size)
    return consumer


def test_progress_in_batches_of_what_has_arrived(broker: Broker) -> None:
    sent = [
        Progress(uuid.uuid4(), uuid.uuid4(), AT, AT, AT, "success", uuid.uuid4(), 1)
        for _ in range(25)
    ]
    for progress in sent:
        broker.publish_progress(progress)
    batches: list[list[Progress]] = []
    consumer = _batch_consumer(broker, batches.append, size=10).start()
    try:
        wait_for(lambda: sum(map(len, batches)) >= 25)
    finally:
        assert consumer.stop()
    assert [p for batch in batches for p in batch] == sent  # in order, each once
    assert max(map(len, batches)) == 10 and len(batches) < 25  # gathered, never over the size
    assert waiting_messages(broker, broker.topology.results_queue) == 0


def test_a_failed_batch_comes_back_whole(broker: Broker) -> None:
    sent = [
        Progress(uuid.uuid4(), uuid.uuid4(), AT, AT, AT, "success", uuid.uuid4(), 1)
        for _ in range(5)
    ]
    for progress in sent:
        broker.publish_progress(progress)
    calls: list[list[Progress]] = []

    def handle(batch: list[Progress]) -> None:
        calls.append(batch)
        if len(calls) == 1:
            raise RuntimeError("the database is away")

    consumer = _batch_consumer(broker, handle, size=100).start()
    try:
        wait_for(
            lambda: (
                sorted(p.task_run_id for c in calls[1:] for p in c)
                == sorted(p.task_run_id for p in sent)
            )
        )
    finally:
        assert consumer.stop()
    assert sorted(p.task_run_id for p in calls[0]) == sorted(p.task_run_id for p in sent)
    assert waiting_messages(broker, broker.topology.results_queue) == 0


def test_competing_schedulers_get_each_token_op_once(broker: Broker) -> None:
    seen: dict[str, list[uuid.UUID]] = {"a": [], "b": []}

    def handler(name: str) -> Callable[[Any, Any], None]:
        def handle(op: UnpauseJob, _: Any) -> None:
            time.sleep(0.02)  # long enough for the other scheduler to take the next one
            seen[name].append(op.job_id)

        return handle

    sent = [uuid.uuid4() for _ in range(20)]
    with (
        running(broker, Kind.TOKENS, handler("a"), prefetch=1),
        running(broker, Kind.TOKENS, handler("b"), prefetch=1),
    ):
        for job_id in sent:
            broker.publish_token_op(UnpauseJob(job_id))
        wait_for(lambda: len(seen["a"]) + len(seen["b"]) >= len(sent))
        time.sleep(0.3)
    assert sorted(seen["a"] + seen["b"]) == sorted(sent)
    assert seen["a"] and seen["b"]


def test_threads_share_one_broker(broker: Broker) -> None:
    sent = [[uuid.uuid4() for _ in range(10)] for _ in range(12)]  # more threads than the pool

    def publish(job_ids: list[uuid.UUID]) -> None:
        for job_id in job_ids:
            broker.publish_token_op(UnpauseJob(job_id))

    threads = [threading.Thread(target=publish, args=(ids,)) for ids in sent]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    got: list[uuid.UUID] = []
    with running(broker, Kind.TOKENS, lambda op, _: got.append(op.job_id), prefetch=50):
        wait_for(lambda: len(got) >= 120)
    assert sorted(got) == sorted(job_id for ids in sent for job_id in ids)


@pytest.mark.parametrize(
    ("kind", "publish", "expected"),
    [
        (
            Kind.TRIGGERS,
            lambda p: p.triggers_changed([uuid.UUID(int=1), uuid.UUID(int=2)]),
            [uuid.UUID(int=1), uuid.UUID(int=2)],
        ),
        (
            Kind.CONFIG,
            lambda p: p.project_changed(uuid.UUID(int=3)),
            ConfigUpdate("Project", uuid.UUID(int=3)),
        ),
    ],
)
def test_broadcast_reaches_every_subscriber(
    broker: Broker, kind: Kind, publish: Callable[[BrokerPublisher], None], expected: Any
) -> None:
    first: list[Any] = []
    second: list[Any] = []
    with (
        running(broker, kind, lambda value, _: first.append(value)),
        running(broker, kind, lambda value, _: second.append(value)),
    ):
        publish(BrokerPublisher(broker))
        wait_for(lambda: first and second)
    assert first == second == [expected]


def test_failed_handler_leaves_its_message_for_redelivery(broker: Broker) -> None:
    request = task_request()
    broker.publish_task(request)
    calls: list[uuid.UUID] = []

    def handle(req: TaskRequest, _: Any) -> None:
        calls.append(req.task_run_id)
        if len(calls) == 1:
            raise RuntimeError("database unavailable")

    with running(broker, Kind.TASKS, handle, prefetch=1):
        wait_for(lambda: len(calls) == 2)
    assert calls == [request.task_run_id] * 2
    assert waiting_messages(broker, broker.topology.task_queue()) == 0


def test_undecodable_messages_are_dropped_and_consuming_goes_on(broker: Broker) -> None:
    queue = broker.topology.tokens_queue
    with broker.connection() as conn:
        producer = conn.Producer()
        producer.publish(
            b"\xff not json",
            exchange=queue.exchange,
            routing_key="",
            content_type="application/octet-stream",
            content_encoding="binary",
            declare=[queue],
        )
        producer.publish({"Bogus": 1}, exchange=queue.exchange, routing_key="", declare=[queue])
    job_id = uuid.uuid4()
    broker.publish_token_op(UnpauseJob(job_id))
    got: list[Any] = []
    with running(broker, Kind.TOKENS, lambda op, _: got.append(op), prefetch=1):
        wait_for(lambda: len(got) == 1)
        time.sleep(0.3)
    assert got == [UnpauseJob(job_id)]
    assert waiting_messages(broker, queue) == 0


def test_an_idle_consumer_stops_without_waiting_for_a_message(broker: Broker) -> None:
    consumer = Consumer(broker)
    consumer.consume(Kind.TOKENS, lambda op, _: None, prefetch=1)
    consumer.start()
    time.sleep(0.3)  # consuming, idle
    assert consumer.stop(timeout=10)  # its loop looks at the stop flag every DRAIN_SECONDS


def _rabbitmqctl(command: str) -> None:
    subprocess.run(["rabbitmqctl", command], check=True, capture_output=True, timeout=60)


@pytest.mark.parametrize("broker", ["amqp"], indirect=True)
def test_broker_restart_loses_nothing(broker: Broker) -> None:
    if shutil.which("rabbitmqctl") is None:
        service_missing("rabbitmqctl (RabbitMQ on this machine)", START_RABBITMQ)
    received: set[uuid.UUID] = set()
    triggers: list[list[uuid.UUID]] = []
    published: list[uuid.UUID] = []
    connections: list[float] = []

    def publish_all() -> None:
        for _ in range(30):
            job_id = uuid.uuid4()
            broker.publish_token_op(UnpauseJob(job_id))
            published.append(job_id)  # told it was published
            time.sleep(0.05)

    consumer = Consumer(broker, on_connect=lambda: connections.append(time.monotonic()))
    consumer.consume(Kind.TOKENS, lambda op, _: received.add(op.job_id), prefetch=10)
    consumer.consume(Kind.TRIGGERS, lambda ids, _: triggers.append(ids), prefetch=10)
    consumer.start()
    publisher = threading.Thread(target=publish_all)
    try:
        wait_for(lambda: connections)
        publisher.start()
        wait_for(lambda: len(published) >= 5)
        _rabbitmqctl("stop_app")
        time.sleep(1)
        _rabbitmqctl("start_app")
        publisher.join(60)
        assert len(published) == 30
        wait_for(lambda: received >= set(published), timeout=20)
        # Its broadcast queue died with the old connection; it has a new one.
        wait_for(lambda: len(connections) >= 2)
        broker.publish_trigger_update([uuid.UUID(int=7)])
        wait_for(lambda: triggers == [[uuid.UUID(int=7)]])
    finally:
        _rabbitmqctl("start_app")  # a no-op when it runs already
        consumer.stop()


def test_publisher_sends_the_original_bodies() -> None:
    sent: list[tuple[str, Any]] = []

    class Recorder:
        def __getattr__(self, name: str) -> Callable[[Any], None]:
            return lambda body: sent.append((name, body))

    task_id, job_id = uuid.UUID(int=1), uuid.UUID(int=2)
    key = {"task_id": str(task_id), "trigger_datetime": "2025-01-03T10:00:00Z"}
    publisher = BrokerPublisher(Recorder())  # type: ignore[arg-type]
    publisher.triggers_changed([task_id])
    publisher.triggers_changed([])
    publisher.task_changed([task_id])
    publisher.project_changed(job_id)
    publisher.tokens_activated([(task_id, AT)], "high")
    publisher.tokens_cleared([(task_id, AT)])
    publisher.tokens_cleared([])
    publisher.job_unpaused(job_id)
    assert sent == [
        ("publish_trigger_update", [task_id]),
        ("publish_config", ConfigUpdate("TaskDef", task_id)),
        ("publish_config", ConfigUpdate("Project", job_id)),
        ("publish_token_op", ActivateTokens(((task_id, AT),), "high")),
        ("publish_token_op", ClearTokens(((task_id, AT),))),
        ("publish_token_op", UnpauseJob(job_id)),
    ]
    # The broker publishes their JSON forms.
    assert [message.to_json() for _, message in sent[1:]] == [
        {"TaskDef": str(task_id)},
        {"Project": str(job_id)},
        {"Activate": [[key], "high"]},
        {"Clear": [key]},
        {"UnpauseJob": str(job_id)},
    ]


def test_token_ops_and_config_updates_read_back() -> None:
    token = (uuid.uuid4(), AT)
    for op in (ActivateTokens((token,), "low"), ClearTokens((token,)), UnpauseJob(uuid.uuid4())):
        assert parse_token_op(op.to_json()) == op
    update = ConfigUpdate("TaskDef", uuid.uuid4())
    assert parse_config_update(update.to_json()) == update
    ids = [uuid.uuid4(), uuid.uuid4()]
    assert parse_trigger_update([str(i) for i in ids]) == ids


@pytest.mark.parametrize(
    "body",
    [
        {"Increment": []},
        {"Activate": [[], "urgent"]},
        {"Activate": [{"task_id": str(uuid.uuid4()), "trigger_datetime": "2025-01-03T10:00:00Z"}]},
        {"Clear": {"task_id": "x"}},
        {"UnpauseJob": "not-a-uuid"},
        {"Clear": [], "UnpauseJob": str(uuid.uuid4())},
        ["UnpauseJob"],
    ],
)
def test_malformed_token_ops_are_refused(body: Any) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        parse_token_op(body)


@pytest.mark.parametrize("body", [{"Job": str(uuid.uuid4())}, {"Project": "x"}, "Project"])
def test_malformed_config_updates_are_refused(body: Any) -> None:
    with pytest.raises(ValueError):
        parse_config_update(body)
