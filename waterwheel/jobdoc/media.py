"""Decoding request bodies into plain data, by media type."""

from __future__ import annotations

import json
from typing import Any

import yaml

from waterwheel.jobdoc.errors import DocumentError, UnsupportedMediaType

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml")
SUPPORTED_TYPES = JSON_TYPES + YAML_TYPES

# Aliases let a small YAML body expand into a huge (or endless) structure; error
# messages and serialisation would then walk all of it.  A job is nowhere near this.
MAX_EXPANDED_SIZE = 16_000_000

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loader that leaves timestamps as strings.

    Unquoted ``start: 2025-01-01T00:00:00Z`` then reaches the datetime parser like
    the quoted form, and a date-only value is rejected there instead of becoming
    a ``date`` object.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def media_type(content_type: str | None) -> str:
    """The bare, lowercased media type: parameters such as ``charset`` are dropped."""
    if not content_type:
        return JSON_TYPES[0]
    return content_type.split(";", 1)[0].strip().lower()


def decode_body(body: bytes, content_type: str | None) -> Any:
    """Decode a JSON (the default) or YAML body.

    Raises UnsupportedMediaType for other types and DocumentError when the body
    does not parse.
    """
    kind = media_type(content_type)
    if kind in JSON_TYPES:
        return decode_json(body)
    if kind in YAML_TYPES:
        return _decode_yaml(body)
    raise UnsupportedMediaType(
        f"unsupported content type '{kind}': use one of {', '.join(SUPPORTED_TYPES)}"
    )


def decode_json(body: bytes) -> Any:
    """Parse strict JSON: NaN and Infinity are not JSON and have no place in a document."""
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise DocumentError(f"error parsing request body as json: {_reason(exc)}") from None


def _decode_yaml(body: bytes) -> Any:
    try:
        data = yaml.load(body, Loader=_Loader)  # _Loader is a SafeLoader
    except (yaml.YAMLError, RecursionError) as exc:
        raise DocumentError(f"error parsing request body as yaml: {_reason(exc)}") from None
    if _expanded_size(data) > MAX_EXPANDED_SIZE:
        raise DocumentError("error parsing request body as yaml: document too large")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid number {name}")


def _reason(exc: BaseException) -> str:
    return "nesting too deep" if isinstance(exc, RecursionError) else str(exc)


def _expanded_size(data: Any) -> int:
    """Size of the data as if every alias were copied out, counting no further than the limit."""
    size, stack = 0, [data]
    while stack and size <= MAX_EXPANDED_SIZE:
        item = stack.pop()
        size += len(item) if isinstance(item, str) else 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return size
