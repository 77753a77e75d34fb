"""Timezone helpers of ``airflow.utils.timezone`` on plain ``datetime`` and
``zoneinfo`` (pendulum is not available): aware values, UTC by default."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

utc = dt.UTC


def utcnow() -> dt.datetime:
    return dt.datetime.now(utc)


def is_localized(value: dt.datetime) -> bool:
    return value.utcoffset() is not None


def is_naive(value: dt.datetime) -> bool:
    return not is_localized(value)


def parse_timezone(name: str | dt.tzinfo) -> dt.tzinfo:
    """A tzinfo from an IANA name ("UTC" and "Europe/Paris" alike)."""
    if isinstance(name, dt.tzinfo):
        return name
    return utc if name.upper() in {"UTC", "Z"} else ZoneInfo(name)


def make_aware(value: dt.datetime, timezone: dt.tzinfo | str | None = None) -> dt.datetime:
    """Attach ``timezone`` (default UTC) to a naive datetime."""
    if is_localized(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    return value.replace(tzinfo=parse_timezone(timezone or utc))


def make_naive(value: dt.datetime, timezone: dt.tzinfo | str | None = None) -> dt.datetime:
    if is_naive(value):
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    return value.astimezone(parse_timezone(timezone or utc)).replace(tzinfo=None)


def convert_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Naive values are read as UTC (Airflow's default_timezone)."""
    if value is None:
        return None
    if is_naive(value):
        value = value.replace(tzinfo=utc)
    return value.astimezone(utc)


def coerce_datetime(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    if value is None:
        return None
    return value if is_localized(value) else value.replace(tzinfo=tz or utc)


def datetime(*args, **kwargs) -> dt.datetime:
    """``datetime.datetime`` that is UTC unless ``tzinfo`` says otherwise."""
    kwargs.setdefault("tzinfo", utc)
    return dt.datetime(*args, **kwargs)


def parse(text: str, timezone: dt.tzinfo | str | None = None) -> dt.datetime:
    """An ISO 8601 date or datetime; without an offset it is in ``timezone`` (UTC)."""
    value = dt.datetime.fromisoformat(text.strip())
    return value if is_localized(value) else value.replace(tzinfo=parse_timezone(timezone or utc))
