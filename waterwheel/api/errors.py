"""Every error the API answers is JSON: ``{"error": "..."}`` with its status."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class ApiError(HTTPException):
    """Raise with a status and a message naming what is wrong."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(description=message)
        self.code = status


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


def _as_json(exc: HTTPException) -> ResponseReturnValue:
    return jsonify(error=exc.description), exc.code or 500


def _unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error")
    return _as_json(InternalServerError("internal error; the server log has the details"))


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _as_json)
    app.register_error_handler(Exception, _unexpected)
