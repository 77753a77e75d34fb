"""Process logging: a level filter like the original's ``WATERWHEEL_LOG``
("warn,waterwheel=info": a default level, then per-logger levels) and, with
``WATERWHEEL_JSON_LOG=true``, one JSON object per line."""

from __future__ import annotations

import json
import logging
import sys

_LEVELS = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "off": logging.CRITICAL + 10,
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "file": record.pathname,
            "line": record.lineno,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _level(name: str) -> int:
    try:
        return _LEVELS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown log level '{name}' in WATERWHEEL_LOG") from None


def configure(spec: str, json_lines: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # The embedded HTTP server logs every request at info; only when asked.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, level = part.rpartition("=")
        if sep:
            logging.getLogger(name).setLevel(_level(level))
        else:
            root.setLevel(_level(level))
