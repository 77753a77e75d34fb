"""Task engines: how a worker runs one task (a container, or a host process)."""

from __future__ import annotations

from waterwheel.worker.engines.base import Engine
from waterwheel.worker.engines.docker import DockerEngine
from waterwheel.worker.engines.local import LocalEngine

ENGINES = ("docker", "local")


def make_engine(name: str, server: str = "", network: str = "auto") -> Engine:
    """The engine named by the `task_engine` setting, for the workers of the
    API at ``server``; Docker containers join ``network`` (`task_network`)."""
    if name == "docker":
        return DockerEngine(server=server, network=network)
    if name == "local":
        return LocalEngine()
    raise ValueError(f"unknown task engine {name!r}; choose one of: {', '.join(ENGINES)}")
