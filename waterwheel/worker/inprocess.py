"""A transport that hands each API request to a WSGI app in this process.

``waterwheel standalone`` runs the API, a scheduler and a worker in one process.
Its worker still talks to the API only through HTTP requests (the same routes,
token checks and transactions as a remote worker), but a loopback socket, the
HTTP parsing on both ends and the development server's thread per connection
cost more than the work the request asks for. This transport skips them.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from waterwheel.worker.api_client import Reply


class WsgiTransport:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        builder = EnvironBuilder(path=path, method=method, headers=headers, data=body)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        chunks, status, _headers = run_wsgi_app(self.app, environ, buffered=True)
        return Reply(int(status.split(" ", 1)[0]), b"".join(chunks))
