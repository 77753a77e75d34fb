"""A requests transport that hands each request to a WSGI app in this process.

``waterwheel standalone`` runs the API, a scheduler and a worker in one process.
Its worker still talks to the API only through HTTP requests (the same routes,
token checks and transactions as a remote worker), but a loopback socket, the
HTTP parsing on both ends and the development server's thread per connection
cost more than the work the request asks for. Mounted on the worker's
``requests.Session``, this adapter skips them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder, run_wsgi_app

# Set by EnvironBuilder from the body itself.
_SKIPPED_HEADERS = {"content-length", "host"}


class WsgiAdapter(BaseAdapter):
    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def send(self, request: PreparedRequest, **_options: Any) -> Response:
        url = urlsplit(request.url or "")
        body = request.body or b""
        builder = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            method=request.method,
            base_url=f"{url.scheme}://{url.netloc}",
            headers={k: v for k, v in request.headers.items() if k.lower() not in _SKIPPED_HEADERS},
            data=body.encode() if isinstance(body, str) else body,
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        chunks, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        response = Response()
        code, _, reason = status.partition(" ")
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(headers.items())
        response._content = b"".join(chunks)
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        """Nothing to release: no sockets."""
