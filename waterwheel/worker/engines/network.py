"""Which Docker network task containers join, and the API address they use.

On the host network a task reaches everything listening on the host: the
broker, the database, Redis, OPA, the API behind its proxy. On a bridge
network it reaches only what is published or listens on the bridge's
gateway, so ``bridge`` is the default wherever the Docker engine has one.
Some engines run without (``dockerd --bridge=none``); ``auto`` then falls
back to ``host`` and the worker says so in its start-up log.

A bridged task cannot reach the API at a loopback address (127.0.0.1 is the
container itself): such an address is given to tasks as
``host.docker.internal``, which Docker maps to the host's gateway address on
the bridge. The API (or a proxy in front of its ``/int-api/`` stash routes)
must then listen on that gateway address (``docker network inspect bridge``),
or ``WATERWHEEL_SERVER_ADDR`` must name an address tasks can reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import docker
from docker.errors import NotFound

AUTO = "auto"
HOST = "host"
BRIDGE = "bridge"
NONE = "none"
GATEWAY_NAME = "host.docker.internal"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class TaskNetwork:
    """The network mode task containers run with, and why."""

    mode: str
    why: str
    # Added to the container's /etc/hosts (bridged tasks reach the host by name).
    extra_hosts: dict[str, str] = field(default_factory=dict)

    def server_addr(self, addr: str) -> str:
        """The API address as a task on this network reaches it."""
        if self.mode == HOST:
            return addr
        parts = urlsplit(addr)
        if parts.hostname not in _LOOPBACK:
            return addr
        netloc = GATEWAY_NAME + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))

    def describe(self) -> str:
        if self.mode == HOST:
            reach = "every service listening on the worker's host"
        elif self.mode == NONE:
            reach = "nothing, not even the API's stash"
        else:
            reach = "only what is published or listens on the network's gateway"
        return f"tasks run on Docker network {self.mode!r} ({self.why}): they reach {reach}"


def choose_network(setting: str, client: docker.DockerClient) -> TaskNetwork:
    """``setting`` is WATERWHEEL_TASK_NETWORK: ``auto``, ``host``, ``bridge``,
    ``none`` or the name of a user-defined network."""
    if setting == HOST:
        return TaskNetwork(HOST, "WATERWHEEL_TASK_NETWORK=host")
    if setting == AUTO:
        try:
            client.networks.get(BRIDGE)
        except NotFound:
            return TaskNetwork(
                HOST, "WATERWHEEL_TASK_NETWORK=auto, and the Docker engine has no bridge network"
            )
        setting, why = BRIDGE, "WATERWHEEL_TASK_NETWORK=auto"
    else:
        why = f"WATERWHEEL_TASK_NETWORK={setting}"
    if setting == NONE:
        return TaskNetwork(NONE, why)
    return TaskNetwork(setting, why, {GATEWAY_NAME: "host-gateway"})
