"""The stash as a running Airflow task reaches it: plain urllib (the runner
image has no ``requests``), the task's ``WATERWHEEL_JWT``, raw byte values.

The runner activates one client for the task; Variables and Connections of
the shim read through it, and read nothing when none is active (at deploy).
Variables are also written through it, in the project stash.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

VARIABLE_PREFIX = "airflow.var."
CONNECTION_PREFIX = "airflow.conn."
TIMEOUT_SECONDS = 30


class StashError(Exception):
    """The stash answered with an error, or could not be reached."""


@dataclass(frozen=True)
class StashClient:
    server_addr: str  # ends with "/"
    token: str
    project_id: str
    job_id: str
    trigger_datetime: str  # as the worker gave it (RFC 3339)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StashClient:
        environ = os.environ if environ is None else environ
        names = ("SERVER_ADDR", "JWT", "PROJECT_ID", "JOB_ID", "TRIGGER_DATETIME")
        missing = [f"WATERWHEEL_{name}" for name in names if not environ.get(f"WATERWHEEL_{name}")]
        if missing:
            raise StashError(f"not running as a Waterwheel task: {', '.join(missing)} not set")
        addr = environ["WATERWHEEL_SERVER_ADDR"]
        return cls(
            server_addr=addr if addr.endswith("/") else addr + "/",
            token=environ["WATERWHEEL_JWT"],
            project_id=environ["WATERWHEEL_PROJECT_ID"],
            job_id=environ["WATERWHEEL_JOB_ID"],
            trigger_datetime=environ["WATERWHEEL_TRIGGER_DATETIME"],
        )

    def _request(self, method: str, path: str, data: bytes | None = None) -> bytes | None:
        """The response body; None for a 404 on a read (the key is not there)."""
        request = urllib.request.Request(
            self.server_addr + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/octet-stream",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and method == "GET":
                return None
            detail = exc.read().decode(errors="replace").strip()
            raise StashError(f"{method} {path}: HTTP {exc.code} {detail}") from None
        except OSError as exc:
            raise StashError(f"{method} {path}: cannot reach {self.server_addr}: {exc}") from None

    def _job_path(self, key: str) -> str:
        when = quote(self.trigger_datetime, safe=":")
        return f"int-api/jobs/{self.job_id}/stash/{when}/{quote(key, safe='')}"

    def _project_path(self, key: str) -> str:
        return f"int-api/projects/{self.project_id}/stash/{quote(key, safe='')}"

    def global_value(self, key: str) -> bytes | None:
        return self._request("GET", f"int-api/stash/{quote(key, safe='')}")

    def project_value(self, key: str) -> bytes | None:
        return self._request("GET", self._project_path(key))

    def job_value(self, key: str) -> bytes | None:
        """A value of this run (job and trigger time)."""
        return self._request("GET", self._job_path(key))

    def put_job_value(self, key: str, value: bytes) -> None:
        self._request("PUT", self._job_path(key), value)

    def put_project_value(self, key: str, value: bytes) -> None:
        """Allowed for keys under the task's ``project_stash_write`` prefixes
        (the translator grants VARIABLE_PREFIX); a 403 names what is allowed."""
        self._request("PUT", self._project_path(key), value)


_active: StashClient | None = None


def activate(client: StashClient | None) -> None:
    global _active
    _active = client


def config_value(key: str) -> bytes | None:
    """A project value, else a global one; None when absent or no task is running."""
    if _active is None:
        return None
    value = _active.project_value(key)
    return value if value is not None else _active.global_value(key)


def put_config_value(key: str, value: bytes) -> None:
    if _active is None:
        raise StashError(f"cannot set {key!r}: the stash is reachable only from a running task")
    _active.put_project_value(key, value)
