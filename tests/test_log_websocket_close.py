"""The log websocket ends cleanly on the embedded HTTP server: nothing follows
the close frame (browsers read a stray HTTP response as a broken frame and
drop the frames before it, the end marker among them)."""

from __future__ import annotations

import base64
import os
import socket
import threading
import uuid
from datetime import UTC, datetime

from werkzeug.serving import make_server

from waterwheel.db.models import Job, Project, Task, TaskRun
from waterwheel.logs.db_store import DatabaseLogStore


def test_nothing_follows_the_close_frame(app, db):
    run_id = uuid.uuid4()
    now = datetime.now(UTC)
    with db.transaction() as session:
        project = Project(id=uuid.uuid4(), name="p", description="")
        job = Job(
            id=uuid.uuid4(), project_id=project.id, name="j", description="", raw_definition="{}"
        )
        task = Task(id=uuid.uuid4(), job_id=job.id, name="t", args=[])
        session.add_all([project])
        session.flush()
        session.add(job)
        session.flush()
        session.add(task)
        session.flush()
        session.add(
            TaskRun(
                id=run_id,
                task_id=task.id,
                trigger_datetime=now,
                queued_datetime=now,
                finish_datetime=now,
                state="success",
                priority="normal",
                attempt=1,
            )
        )
    DatabaseLogStore(db).append(run_id, ["one", "two"], end="success")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", http.port), timeout=10) as conn:
            key = base64.b64encode(os.urandom(16)).decode()
            conn.sendall(
                (
                    f"GET /api/task_runs/{run_id}/logs HTTP/1.1\r\nHost: x\r\n"
                    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            received = b""
            while b"\x88" not in received.partition(b"\r\n\r\n")[2]:  # until the close frame
                received += conn.recv(65536)
            conn.sendall(bytes([0x88, 0x82]) + os.urandom(4) + b"\x00\x00")  # answer it (masked)
            while chunk := conn.recv(65536):
                received += chunk
    finally:
        http.shutdown()
    head, _, frames = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    assert b'"end": "success"' in frames or b'"end":"success"' in frames
    assert b"HTTP/1." not in frames  # no response written after the close frame
