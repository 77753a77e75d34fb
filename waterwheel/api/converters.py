"""Path parameters checked before any query: a bad id or datetime is a 400."""

from __future__ import annotations

import uuid
from datetime import datetime

from werkzeug.routing import BaseConverter

from waterwheel.api.errors import bad_request
from waterwheel.timeutil import format_datetime, parse_datetime


class IdConverter(BaseConverter):
    """A UUID path segment (``<id:job_id>``)."""

    def to_python(self, value: str) -> uuid.UUID:
        try:
            return uuid.UUID(value)
        except ValueError:
            raise bad_request(f"invalid id '{value}': expected a UUID") from None

    def to_url(self, value: uuid.UUID) -> str:
        return str(value)


class DatetimeConverter(BaseConverter):
    """An RFC 3339 path segment with an offset (``<dt:trigger_datetime>``)."""

    def to_python(self, value: str) -> datetime:
        try:
            return parse_datetime(value)
        except ValueError as exc:
            raise bad_request(str(exc)) from None

    def to_url(self, value: datetime) -> str:
        return format_datetime(value) or ""
