"""A stand-in for an OPA server: no package here ships OPA's binary, so the
tests run their policies in a small HTTP endpoint that speaks OPA's data API."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def sample_policy(document: dict) -> bool:
    """The original's sample policy: reads for all, writes through the form login."""
    return document["action"] in ("Get", "List") or (
        document["http"]["headers"].get("x-seal-mechanism") == "seal/formlogin"
    )


class PolicyServer:
    """OPA's POST /v1/data/waterwheel/authorize, answering with ``decide`` (the
    sample policy unless told otherwise) on the request's input document."""

    def __init__(self, decide: Callable[[dict], bool] = sample_policy) -> None:
        self.decide = decide
        self.inputs: list[dict] = []
        self.down = False
        self.http = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.port}/ignored/path"

    @Request.application
    def app(self, request: Request) -> Response:
        if request.path != "/v1/data/waterwheel/authorize" or request.method != "POST":
            return Response("no such policy", status=404)
        if self.down:
            return Response("policy engine failure", status=500)
        document = request.get_json()["input"]
        self.inputs.append(document)
        return Response(json.dumps({"result": self.decide(document)}), mimetype="application/json")
