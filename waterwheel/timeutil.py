"""UTC datetimes on the wire: RFC 3339 in, RFC 3339 with a ``Z`` out."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# An explicit offset is required: a naive or date-only string is ambiguous.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 timestamp with an offset into an aware UTC datetime.

    Raises ValueError naming the text when it is not one.
    """
    if not isinstance(text, str) or not _RFC3339.match(text):
        raise ValueError(f"invalid datetime '{text}': expected RFC 3339 with an offset")
    body = text.replace("t", "T").replace(" ", "T")
    if body[-1] in "zZ":
        body = body[:-1] + "+00:00"
    # Python keeps microseconds: cut nanosecond fractions down to six digits.
    match = re.match(r"^(.*\.\d{6})\d+(.*)$", body)
    if match:
        body = match.group(1) + match.group(2)
    try:
        value = datetime.fromisoformat(body)
    except ValueError as exc:
        raise ValueError(f"invalid datetime '{text}': {exc}") from None
    return value.astimezone(UTC)


def format_datetime(value: datetime | None) -> str | None:
    """Format as RFC 3339 UTC with ``Z``; whole seconds carry no fraction.

    ``isoformat`` rather than ``strftime``: glibc's ``%Y`` writes year 1 as
    ``1``, which is not RFC 3339 (four digits, zero-padded)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds") + "Z"


def utcnow() -> datetime:
    return datetime.now(UTC)
