"""The "argument not given" marker, so that None can stay a real value."""

from __future__ import annotations


class ArgNotSet:
    """Type of NOTSET."""

    def __repr__(self) -> str:
        return "NOTSET"

    def __bool__(self) -> bool:
        return False


NOTSET = ArgNotSet()
