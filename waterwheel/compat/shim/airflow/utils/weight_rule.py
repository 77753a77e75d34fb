"""Priority weight rules (accepted; Waterwheel does not use them)."""

from __future__ import annotations

from enum import StrEnum


class WeightRule(StrEnum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    ABSOLUTE = "absolute"
