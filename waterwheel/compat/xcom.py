"""XCom values in the job stash of the run: key ``xcom.<task_id>.<key>``,
value JSON. Values JSON cannot hold (datetimes, dates, timedeltas, tuples,
sets) are written as small tagged objects and read back as themselves;
anything else is refused, as Airflow 3 refuses what it cannot serialise."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

RETURN_VALUE = "return_value"
_TAG = "__waterwheel_type__"


def stash_key(task_id: str, key: str) -> str:
    return f"xcom.{task_id}.{key}"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_TAG: "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "value": value.isoformat()}
    if isinstance(value, timedelta):
        return {_TAG: "timedelta", "value": value.total_seconds()}
    if isinstance(value, tuple | set | frozenset):
        kind = "tuple" if isinstance(value, tuple) else "set"
        return {_TAG: kind, "value": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(
        f"XCom value of type {type(value).__name__} cannot be stored: use JSON-compatible"
        " values (or datetime, date, timedelta, tuple, set)"
    )


_DECODERS = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "timedelta": lambda seconds: timedelta(seconds=seconds),
    "tuple": tuple,
    "set": set,
}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {_TAG, "value"} and value[_TAG] in _DECODERS:
            return _DECODERS[value[_TAG]](_decode(value["value"]))
        return {key: _decode(item) for key, item in value.items()}
    return value


def dumps(value: Any) -> bytes:
    return json.dumps(_encode(value)).encode()


def loads(data: bytes) -> Any:
    return _decode(json.loads(data))
