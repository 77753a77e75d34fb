"""Authorization decided by an Open Policy Agent server, as in the original.

Each check POSTs ``{"input": {"object", "principal", "action", "http"}}`` to
``<WATERWHEEL_OPA_SIDECAR_ADDR>/v1/data/waterwheel/authorize`` and allows the
request only when the answer is ``{"result": true}``. ``WATERWHEEL_NO_AUTHZ``
turns checks off; without an OPA address every check is denied.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from waterwheel.config import Settings

log = logging.getLogger(__name__)

DECISION_PATH = "/v1/data/waterwheel/authorize"
TIMEOUT = 10  # seconds


class Denied(Exception):
    """The policy said no (or there is no policy to ask)."""


class Unavailable(Exception):
    """The OPA server could not be asked."""


@dataclass(frozen=True)
class Request:
    """What a check asks about."""

    action: str  # Get, List, Update, Delete
    kind: str  # project, job, stash, task, trigger, workers, status, schedulers
    project_id: uuid.UUID | None
    job_id: uuid.UUID | None
    method: str
    headers: Mapping[str, str]


class Authorizer:
    def __init__(self, settings: Settings) -> None:
        self.disabled = settings.no_authz
        address = settings.opa_sidecar_addr
        self.url = urljoin(address, DECISION_PATH) if address else None
        self.http = requests.Session()

    def check(self, request: Request) -> None:
        """Return when allowed; raise Denied or Unavailable otherwise."""
        if self.disabled:
            return
        if self.url is None:
            log.error("authorization needs WATERWHEEL_OPA_SIDECAR_ADDR (or WATERWHEEL_NO_AUTHZ)")
            raise Denied("no authorization server is configured")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        document = {
            "input": {
                "object": {
                    "project_id": str(request.project_id) if request.project_id else None,
                    "job_id": str(request.job_id) if request.job_id else None,
                    "kind": request.kind,
                },
                "principal": {"bearer": token if scheme.lower() == "bearer" and token else None},
                "action": request.action,
                "http": {"method": request.method, "headers": dict(request.headers)},
            }
        }
        try:
            response = self.http.post(self.url, json=document, timeout=TIMEOUT)
            response.raise_for_status()
            allowed = response.json().get("result") is True
        except (requests.RequestException, ValueError, AttributeError) as exc:
            raise Unavailable(f"the authorization server failed: {exc}") from None
        if not allowed:
            raise Denied(f"{request.action} {request.kind} is not allowed")
