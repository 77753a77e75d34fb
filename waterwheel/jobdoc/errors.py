"""Errors raised while reading job and project documents."""

from __future__ import annotations


class DocumentError(ValueError):
    """A document is malformed or invalid: the API answers 400 with ``str(error)``.

    ``field`` is the path of the offending value (``tasks[2].docker.args``), when
    there is one, so that the message tells the author exactly where to look.
    """

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason)


class UnsupportedMediaType(Exception):
    """The request body's content type is not one we can decode: the API answers 415."""
