"""Settings, read from ``WATERWHEEL_*`` environment variables.

Names and defaults follow the original Waterwheel; durations use its grammar
("5m", "4h"). Each process reads the settings once at start and passes them on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

from waterwheel.durations import duration_seconds


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got '{text}'")


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, got '{text}'")
    return value


def _list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


# How each kind of setting is read from its environment string.
_PARSERS = {
    "str": str,
    "int": int,
    "count": _count,
    "bool": _bool,
    "duration": duration_seconds,
    "list": _list,
}


def _setting(default: Any, kind: str = "str") -> Any:
    return field(default=default, metadata={"kind": kind})


@dataclass(frozen=True)
class Settings:
    db_url: str = _setting("sqlite:///waterwheel.db")
    amqp_addr: str = _setting("amqp://127.0.0.1:5672/%2f")
    redis_url: str | None = _setting("redis://localhost/")
    server_addr: str = _setting("http://127.0.0.1:8080/")
    server_bind: str = _setting("127.0.0.1:8080")
    worker_bind: str = _setting("127.0.0.1:0")
    max_tasks: int = _setting(8, "int")
    task_engine: str = _setting("docker")
    hmac_secret: str | None = _setting(None)
    public_key: str | None = _setting(None)
    private_key: str | None = _setting(None)
    opa_sidecar_addr: str | None = _setting(None)
    no_authz: bool = _setting(False, "bool")
    statsd_server: str | None = _setting(None)
    json_log: bool = _setting(False, "bool")
    log: str = _setting("warn,waterwheel=info")
    requeue_interval: int = _setting(300, "duration")
    requeue_missed_heartbeats: int = _setting(3, "int")
    default_task_timeout: int = _setting(4 * 3600, "duration")
    default_task_retry_delay: int = _setting(300, "duration")
    task_heartbeat: int = _setting(60, "duration")
    log_retention: int = _setting(4 * 3600, "duration")
    amqp_consumer_timeout: int = _setting(24 * 3600, "duration")
    # Beyond the original: how often schedulers write their liveness row (a
    # scheduler silent for three of these loses its triggers to the others),
    # and which worker queues a worker takes tasks from (task routing).
    scheduler_heartbeat: int = _setting(5, "duration")
    worker_queues: tuple[str, ...] = _setting(("default",), "list")
    # Missed trigger times a catch-up runs at most, per trigger: older ones are
    # skipped (a period of 1s from 1970 would otherwise queue billions).
    max_catchup: int = _setting(1000, "count")
    # The Docker network of task containers: auto is bridge where the Docker
    # engine has one, else host (see worker/engines/network.py).
    task_network: str = _setting("auto")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every setting from ``WATERWHEEL_<NAME>``; ``overrides`` win over both."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            name = f"WATERWHEEL_{spec.name.upper()}"
            if name not in environ:
                continue
            parse = _PARSERS[spec.metadata["kind"]]
            try:
                values[spec.name] = parse(environ[name])
            except ValueError as exc:
                raise ConfigError(f"{name}: {exc}") from None
        values.update(overrides)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The settings as ``WATERWHEEL_*`` variables, to start another process with."""
        env = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                continue
            kind = spec.metadata["kind"]
            if kind == "duration":
                text = f"{value}s"
            elif kind == "list":
                text = ",".join(value)
            elif kind == "bool":
                text = "true" if value else "false"
            else:
                text = str(value)
            env[f"WATERWHEEL_{spec.name.upper()}"] = text
        return env
