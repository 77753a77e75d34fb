"""The worker's only way to the database: the internal API.

Task definitions are cached (the API broadcasts when one changes); every call
carries a short-lived config token naming the id it asks about. A worker in the
API's own process (standalone) passes the app, and its requests go to it
without a socket.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any

import requests
from flask import Flask

from waterwheel.auth.tokens import TokenKeys
from waterwheel.worker.inprocess import WsgiAdapter

TIMEOUT = 10  # seconds per request
CACHE_SIZE = 1000


class ApiUnavailable(Exception):
    """The API could not answer; the task request must wait and come again."""


class ApiClient:
    def __init__(self, server_addr: str, keys: TokenKeys, app: Flask | None = None) -> None:
        self.base = server_addr.rstrip("/")
        self.keys = keys
        self.http = requests.Session()
        if app is not None:
            self.http.mount(self.base + "/", WsgiAdapter(app))
            self.http.trust_env = False  # no proxy to look up: reading os.environ costs more
        self._definitions: OrderedDict[uuid.UUID, dict[str, Any] | None] = OrderedDict()
        self._lock = threading.Lock()

    def _call(self, method: str, path: str, subject: uuid.UUID | None, **kwargs: Any):
        headers = {}
        if subject is not None:
            headers["Authorization"] = f"Bearer {self.keys.config_token(subject)}"
        try:
            return self.http.request(
                method, f"{self.base}{path}", headers=headers, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as exc:
            raise ApiUnavailable(f"{method} {path}: {exc}") from None

    def heartbeat(self, body: dict[str, Any]) -> None:
        response = self._call("POST", "/int-api/heartbeat", None, json=body)
        if response.status_code != 200:
            raise ApiUnavailable(f"heartbeat answered {response.status_code}")

    def task_definition(self, task_id: uuid.UUID) -> dict[str, Any] | None:
        """The task's definition, or None when the task does not exist."""
        with self._lock:
            if task_id in self._definitions:
                self._definitions.move_to_end(task_id)
                return self._definitions[task_id]
        response = self._call("GET", f"/int-api/tasks/{task_id}", task_id)
        if response.status_code == 404:
            definition = None
        elif response.status_code == 200:
            definition = response.json()
        else:
            raise ApiUnavailable(f"task {task_id}: API answered {response.status_code}")
        with self._lock:
            self._definitions[task_id] = definition
            while len(self._definitions) > CACHE_SIZE:
                self._definitions.popitem(last=False)
        return definition

    def forget_task(self, task_id: uuid.UUID) -> None:
        with self._lock:
            self._definitions.pop(task_id, None)

    def start_run(self, task_run_id: uuid.UUID, worker_id: uuid.UUID) -> str | None:
        """Claim a queued run; None when claimed, else why it must not run."""
        response = self._call(
            "POST",
            f"/int-api/task_runs/{task_run_id}/start",
            task_run_id,
            json={"worker_id": str(worker_id)},
        )
        if response.status_code == 200:
            return None
        if response.status_code in (404, 409):
            return response.json().get("error", response.text)
        raise ApiUnavailable(f"claiming run {task_run_id}: API answered {response.status_code}")
