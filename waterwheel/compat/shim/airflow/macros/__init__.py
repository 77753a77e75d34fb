"""``macros`` of the template context: date helpers and a few modules."""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import datetime, timedelta

try:  # present wherever Waterwheel is installed; optional in a bare runner image
    import dateutil
except ImportError:  # pragma: no cover - depends on the image
    dateutil = None


def ds_add(ds: str, days: int) -> str:
    """``ds_add("2015-01-01", 5)`` is ``"2015-01-06"``."""
    if not days:
        return str(ds)
    return (datetime.strptime(str(ds), "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """``ds_format("2015-01-01", "%Y-%m-%d", "%m-%d-%y")`` is ``"01-01-15"``."""
    return datetime.strptime(str(ds), input_format).strftime(output_format)


__all__ = [
    "dateutil",
    "datetime",
    "ds_add",
    "ds_format",
    "json",
    "random",
    "time",
    "timedelta",
    "uuid",
]
