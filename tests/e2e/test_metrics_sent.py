"""The original's statsd metrics, sent by a running scheduler, worker and API."""

from __future__ import annotations

import contextlib
import dataclasses
import socket

from tests.e2e.stack import Stack, shell, wait_for

T = "2025-01-01T00:00:00Z"


def test_a_run_sends_the_originals_metrics(embedded):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.2)
    settings, db = embedded
    settings = dataclasses.replace(settings, statsd_server=f"127.0.0.1:{receiver.getsockname()[1]}")
    stack = Stack(settings, db)
    try:
        stack.project()
        script = (
            'wget -q -O - --header "Authorization: Bearer $WATERWHEEL_JWT" '
            '"${WATERWHEEL_SERVER_ADDR}int-api/stash/missing" || true'
        )
        job = stack.job("measured", [{"name": "step", "docker": shell(script)}])
        stack.activate(stack.task_ids(job)["step"], T)
        received: list[str] = []

        def everything_arrived() -> bool:
            with contextlib.suppress(TimeoutError):  # nothing this time round
                received.extend(receiver.recv(65536).decode().splitlines())
            names = {line.split(":")[0] for line in received}
            return {
                "waterwheel.tasks.enqueued",
                "waterwheel.tasks.received",
                "waterwheel.tasks.running",
                "waterwheel.tasks.total",
                "waterwheel.stash.get",
                "waterwheel.triggers.queued",
            } <= names

        wait_for(everything_arrived, what="the metrics")
        worker = stack.worker.id
        assert "waterwheel.tasks.enqueued:1|c|#priority:high" in received
        assert f"waterwheel.tasks.received:1|c|#worker_id:{worker}" in received
        assert f"waterwheel.tasks.total:1|c|#worker_id:{worker},result:success" in received
        assert "waterwheel.stash.get:1|c|#global" in received
        assert any(line.startswith("waterwheel.tasks.running:") for line in received)
    finally:
        stack.stop()
        receiver.close()
