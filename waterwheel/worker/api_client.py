"""The worker's only way to the database: the internal API.

Task definitions are cached (the API broadcasts when one changes); every call
carries a short-lived config token naming the id it asks about. Requests go
through a transport: HTTP to a remote API, or, for a worker in the API's own
process (standalone), straight to its WSGI app (``inprocess.WsgiTransport``).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import urllib3

from waterwheel.auth.tokens import TokenKeys
from waterwheel.task_definition import TaskDefinition

TIMEOUT = 10  # seconds per request
CACHE_SIZE = 1000
POOL_SIZE = 16  # kept-alive connections; more are opened when busy, then closed


class ApiUnavailable(Exception):
    """The API could not answer; the task request must wait and come again."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def error(self) -> str:
        """The API's error message (its JSON ``error``), else the body."""
        try:
            return str(self.json()["error"])
        except (ValueError, TypeError, KeyError):
            return self.body.decode(errors="replace")


class Transport(Protocol):
    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """One request; raises ApiUnavailable when no answer came."""


class HttpTransport:
    """Keep-alive HTTP connections to the API, shared by the worker's threads.
    urllib3 rather than requests: nothing here needs cookies, redirects or
    proxies, and every task run makes these calls. Environment proxies are
    not used: the API is the worker's own service."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.pool = urllib3.PoolManager(maxsize=POOL_SIZE, retries=False, timeout=TIMEOUT)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        try:
            response = self.pool.request(method, self.base + path, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            raise ApiUnavailable(f"{method} {path}: {exc}") from None
        return Reply(response.status, response.data)


class ApiClient:
    def __init__(self, server_addr: str, keys: TokenKeys, transport: Transport | None = None):
        self.base = server_addr.rstrip("/")
        self.keys = keys
        self.transport = transport or HttpTransport(self.base)
        self._definitions: OrderedDict[uuid.UUID, TaskDefinition | None] = OrderedDict()
        self._lock = threading.Lock()

    def call(self, method: str, path: str, subject: uuid.UUID | None, body: Any = None) -> Reply:
        """``body`` goes as JSON; ``subject`` names the id the config token grants."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if subject is not None:
            headers["Authorization"] = f"Bearer {self.keys.config_token(subject)}"
        data = json.dumps(body).encode() if body is not None else b""
        return self.transport.send(method, path, headers, data)

    def heartbeat(self, body: dict[str, Any]) -> None:
        """The worker's liveness report, with a token for its own id (``uuid``)."""
        reply = self.call("POST", "/int-api/heartbeat", uuid.UUID(body["uuid"]), body)
        if reply.status != 200:
            raise ApiUnavailable(f"heartbeat answered {reply.status}: {reply.error()}")

    def task_definition(self, task_id: uuid.UUID) -> TaskDefinition | None:
        """The task's definition, or None when the task does not exist."""
        with self._lock:
            if task_id in self._definitions:
                self._definitions.move_to_end(task_id)
                return self._definitions[task_id]
        reply = self.call("GET", f"/int-api/tasks/{task_id}", task_id)
        if reply.status == 404:
            data = None
        elif reply.status == 200:
            data = reply.json()
        else:
            raise ApiUnavailable(f"task {task_id}: API answered {reply.status}")
        return self._remember(task_id, data)

    def knows_task(self, task_id: uuid.UUID) -> bool:
        with self._lock:
            return task_id in self._definitions

    def _remember(self, task_id: uuid.UUID, data: dict[str, Any] | None) -> TaskDefinition | None:
        """Cache the definition the API sent as JSON (None: no such task)."""
        definition = None if data is None else TaskDefinition.from_json(data)
        with self._lock:
            self._definitions[task_id] = definition
            self._definitions.move_to_end(task_id)
            while len(self._definitions) > CACHE_SIZE:
                self._definitions.popitem(last=False)
        return definition

    def forget_task(self, task_id: uuid.UUID) -> None:
        with self._lock:
            self._definitions.pop(task_id, None)

    def start_runs(
        self, run_ids: list[uuid.UUID], worker_id: uuid.UUID, task_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, str]:
        """Claim queued runs; returns why each one not claimed must not run.
        The definitions of ``task_ids`` come back with the claim and are cached."""
        body = {
            "worker_id": str(worker_id),
            "task_run_ids": [str(i) for i in run_ids],
            "task_ids": [str(i) for i in task_ids],
        }
        reply = self.call("POST", "/int-api/task_runs/start", worker_id, body)
        if reply.status != 200:
            raise ApiUnavailable(f"claiming runs: API answered {reply.status}: {reply.error()}")
        answer = reply.json()
        definitions = answer["definitions"]
        for task_id in task_ids:
            self._remember(task_id, definitions.get(str(task_id)))
        return {uuid.UUID(key): why for key, why in answer["refused"].items()}

    def run_state(self, task_run_id: uuid.UUID) -> tuple[str, str | None] | None:
        """A run's state and the worker it runs on; None when there is no such run."""
        reply = self.call("GET", f"/int-api/task_runs/{task_run_id}", task_run_id)
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise ApiUnavailable(f"task run {task_run_id}: API answered {reply.status}")
        body = reply.json()
        return body["state"], body["worker_id"]

    def append_log(self, task_run_id: uuid.UUID, lines: list[str], end: str | None) -> None:
        """Add lines (and the end marker) to a run's log, kept by the API."""
        reply = self.call(
            "POST",
            f"/int-api/task_runs/{task_run_id}/logs",
            task_run_id,
            {"lines": lines, "end": end},
        )
        if not 200 <= reply.status < 300:
            raise ApiUnavailable(
                f"log of run {task_run_id}: API answered {reply.status}: {reply.error()}"
            )
