"""Reading request bodies and query strings, with clear 400s and 415s."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import request

from waterwheel.api.errors import ApiError, bad_request
from waterwheel.states import ALL_PRIORITIES
from waterwheel.timeutil import parse_datetime

JSON_TYPES = {"application/json"}


def json_object() -> dict[str, Any]:
    """The body as a JSON object; an absent content type is taken as JSON."""
    if request.mimetype and request.mimetype not in JSON_TYPES:
        raise ApiError(415, f"unsupported media type '{request.mimetype}': send application/json")
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"error parsing request body as json: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("error parsing request body as json: expected a JSON object")
    return data


def query_int(name: str, default: int, *, minimum: int = 1, maximum: int = 10_000) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad_request(f"invalid query parameter: {name} must be an integer") from None
    if not minimum <= value <= maximum:
        raise bad_request(f"invalid query parameter: {name} must be {minimum}..{maximum}")
    return value


def query_datetime(name: str) -> datetime | None:
    text = request.args.get(name)
    if text is None:
        return None
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise bad_request(f"invalid query parameter: {name}: {exc}") from None


def query_list(name: str, allowed: set[str], what: str) -> list[str] | None:
    """A comma-separated filter whose every entry must be one of ``allowed``."""
    text = request.args.get(name)
    if text is None:
        return None
    values = [v for v in text.split(",") if v]
    if not values:
        return None  # "?state=" filters nothing out
    for value in values:
        if value not in allowed:
            raise bad_request(f"invalid {what}: '{value}'")
    return values


def body_datetime(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise bad_request(f"{name}: {exc}") from None


def bearer_token(what: str) -> str:
    """The ``Authorization: Bearer`` token; 401 naming ``what`` is needed."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, f"a {what} is required: Authorization: Bearer <jwt>")
    return token.strip()


def body_priority(data: dict[str, Any], default: str) -> str:
    """The body's ``priority``, ``default`` when it names none."""
    priority = data.get("priority")
    if priority is None:
        return default
    if not isinstance(priority, str) or priority not in ALL_PRIORITIES:
        raise bad_request(f"priority: invalid priority '{priority}'")
    return priority
