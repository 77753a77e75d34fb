"""The docker engine: each task run in a fresh container on the Docker engine
the environment points at (DOCKER_HOST or the local socket).

Fixes of the original: a non-zero exit is a failure, not an error (bug 2);
the container is always removed, also after a timeout, which first stops it
(bug 15); an image without a tag is pulled as `:latest`, never all tags
(bug 24). Output lines carry no Docker timestamps, like the local engine's:
whoever stores them stamps them on arrival. Docker keeps stdout and stderr
apart, so lines of the two streams written close together may arrive in
either order (each stream's own order is kept).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid

import docker
import requests
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.models.containers import Container
from docker.utils import parse_repository_tag

from waterwheel.states import State
from waterwheel.worker.engines.base import (
    LogWriter,
    Orphaned,
    Result,
    RunSpec,
    Waiter,
    start_pump,
)
from waterwheel.worker.engines.network import AUTO, TaskNetwork, choose_network

logger = logging.getLogger(__name__)

# A follow-mode log stream and a wait hold one connection each per running task.
MAX_CONNECTIONS = 64
# How long output may keep arriving after the container ended.
DRAIN_SECONDS = 10.0
LABEL_TASK_RUN_ID = "waterwheel.task_run_id"
LABEL_TASK_NAME = "waterwheel.task_name"
LABEL_WORKER_ID = "waterwheel.worker_id"
# The API its worker reports to: a Docker engine may run the tasks of several
# Waterwheel installations (staging and production, a test run), and a worker
# may only ever take another installation's run for an orphan of its own.
LABEL_SERVER = "waterwheel.server"

SERVER_ADDR = "WATERWHEEL_SERVER_ADDR"

_ERRORS = (DockerException, requests.RequestException)


def _reason(exc: Exception) -> str:
    return (exc.explanation if isinstance(exc, APIError) else None) or str(exc)


class DockerEngine:
    """Runs each task in its own container (image ENTRYPOINT kept, args as its
    command) on the network ``network`` chooses (see ``network``)."""

    def __init__(self, grace: float = 10.0, server: str = "", network: str = AUTO) -> None:
        self.grace = grace
        self.server = server
        self.network_setting = network
        self._client: docker.DockerClient | None = None
        self._network: TaskNetwork | None = None
        self._lock = threading.Lock()

    def _docker(self) -> docker.DockerClient:
        """Connected on first use, so a worker can start before its Docker engine."""
        with self._lock:
            if self._client is None:
                self._client = docker.from_env(max_pool_size=MAX_CONNECTIONS)
            return self._client

    def network(self) -> TaskNetwork:
        """The task network, chosen once the Docker engine is first reached."""
        client = self._docker()
        with self._lock:
            if self._network is None:
                self._network = choose_network(self.network_setting, client)
            return self._network

    def isolation(self) -> str:
        """What a task can reach, for the worker's start-up log."""
        try:
            return self.network().describe()
        except _ERRORS as exc:
            return f"task network not chosen yet (Docker engine not reachable: {_reason(exc)})"

    def run(self, spec: RunSpec, log: LogWriter, stop: threading.Event) -> Result:
        deadline = time.monotonic() + spec.timeout
        step = "reach the Docker engine"
        try:
            client = self._docker()
            network = self.network()
            step = f"get image {spec.image}"
            _ensure_image(client, spec.image)
            step = "create the container"
            container = client.containers.create(
                spec.image,
                command=spec.args,
                entrypoint=spec.command,
                environment=_task_env(spec.env, network),
                network_mode=network.mode,
                extra_hosts=network.extra_hosts or None,
                labels={
                    LABEL_TASK_RUN_ID: str(spec.task_run_id),
                    LABEL_TASK_NAME: spec.name,
                    LABEL_WORKER_ID: str(spec.worker_id),
                    LABEL_SERVER: self.server,
                },
            )
        except _ERRORS as exc:
            return Result(State.ERROR, f"cannot {step}: {_reason(exc)}")
        try:
            # Attached before the start, straight to the container's streams: the
            # log driver (container.logs) can drop a last line without a newline.
            output = container.attach(stdout=True, stderr=True, stream=True, logs=True)
            container.start()
            pump = start_pump(output, log, spec.name, framed=True)  # a chunk per frame
            waiter = Waiter(lambda: container.wait()["StatusCode"], spec.name)
            try:
                return waiter.result(deadline, stop, spec.timeout)
            finally:
                if not waiter.done:
                    self._stop(container)
                pump.join(DRAIN_SECONDS)  # before removal, which would cut the output short
        except _ERRORS as exc:
            return Result(State.ERROR, f"docker: {_reason(exc)}")
        finally:
            _remove(container)

    def remove_orphans(self, orphaned: Orphaned) -> int:
        """Remove the containers of this installation's task runs that
        ``orphaned`` names: a worker killed mid-run leaves its container
        running (or exited) with nobody to remove it."""
        try:
            # Runs end while the list is read: a container gone since is no orphan.
            found = self._docker().containers.list(
                all=True,
                filters={"label": [LABEL_TASK_RUN_ID, f"{LABEL_SERVER}={self.server}"]},
                ignore_removed=True,
            )
        except _ERRORS as exc:
            logger.warning("cannot list containers to find orphans: %s", _reason(exc))
            return 0
        removed = 0
        for container in found:
            try:
                run_id = uuid.UUID(container.labels[LABEL_TASK_RUN_ID])
            except (KeyError, ValueError):
                continue  # not one of ours after all
            if orphaned(run_id, container.labels.get(LABEL_WORKER_ID)):
                logger.warning(
                    "removing container %s of task run %s: its worker is gone",
                    container.short_id,
                    run_id,
                )
                _remove(container)
                removed += 1
        return removed

    def _stop(self, container: Container) -> None:
        """SIGTERM, then SIGKILL after the grace period (removal kills it anyway)."""
        try:
            container.stop(timeout=math.ceil(self.grace))  # the API takes whole seconds
        except _ERRORS as exc:
            logger.warning("stopping container %s failed: %s", container.short_id, _reason(exc))


def _task_env(env: dict[str, str], network: TaskNetwork) -> dict[str, str]:
    """The task's environment, with the API's address as the task reaches it."""
    addr = env.get(SERVER_ADDR)
    return env if addr is None else env | {SERVER_ADDR: network.server_addr(addr)}


def _ensure_image(client: docker.DockerClient, image: str) -> None:
    """Use the local image; pull only when absent, and always one tag."""
    try:
        client.images.get(image)
    except ImageNotFound:
        repository, tag = parse_repository_tag(image)
        client.images.pull(repository, tag=tag or "latest")


def _remove(container: Container) -> None:
    try:
        container.remove(force=True)
    except NotFound:
        pass
    except _ERRORS as exc:
        logger.error(
            "removing container %s failed, it is left behind: %s", container.short_id, _reason(exc)
        )
