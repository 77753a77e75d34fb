"""What a worker's heartbeat may say about itself, checked before it is stored.

A heartbeat is signed by its worker (a config token for the worker's own id),
but a worker is still only trusted to report, not to write whatever it likes:
its last-seen time is the API's clock (a worker cannot stay "up" forever, nor
hide, by sending another time), its address and version are short printable
words, and its counts are bounded integers. Anything else is a 400 naming the
field, and nothing is written.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from waterwheel.api.errors import bad_request
from waterwheel.timeutil import utcnow

# Host names, IPv4 and bracketed IPv6 addresses with an optional port.
ADDR = re.compile(r"[A-Za-z0-9._:\[\]-]{0,255}")
VERSION = re.compile(r"[A-Za-z0-9._+-]{0,64}")
# More than any one worker runs at once (its slots), and than it ever runs.
MAX_RUNNING = 10_000
MAX_TOTAL = 2**31 - 1  # the column is a 32-bit integer


def _word(data: dict[str, Any], key: str, shape: re.Pattern[str]) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str) or not shape.fullmatch(value):
        raise bad_request(f"invalid heartbeat: {key} must be a string matching {shape.pattern}")
    return value


def _count(data: dict[str, Any], key: str, most: int) -> int:
    value = data.get(key, 0)
    # bool is an int in Python; a count is not true or false.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise bad_request(f"invalid heartbeat: {key} must be an integer from 0 to {most}")
    return value


def worker_id(data: dict[str, Any]) -> uuid.UUID:
    """The id the heartbeat is for (its token must be issued for it)."""
    try:
        return uuid.UUID(str(data["uuid"]))
    except (KeyError, ValueError) as exc:
        raise bad_request(f"invalid heartbeat: uuid: expected a UUID ({exc})") from None


def worker_row(data: dict[str, Any]) -> dict[str, Any]:
    """The ``worker`` row the heartbeat stores; 400 for anything out of bounds.
    ``last_seen_datetime`` in the body is ignored: the API's clock decides."""
    running = _count(data, "running_tasks", MAX_RUNNING)
    return {
        "id": worker_id(data),
        "addr": _word(data, "addr", ADDR),
        "last_seen_datetime": utcnow(),
        "running_tasks": running,
        "total_tasks": _count(data, "total_tasks", MAX_TOTAL),
        "version": _word(data, "version", VERSION),
    }
