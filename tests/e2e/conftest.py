"""The ``stack`` fixture: each scenario runs on the embedded default (SQLite, the
in-process broker, the local engine) and on the real services (a fresh
PostgreSQL database, its own RabbitMQ vhost, Redis, the Docker engine)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import docker
import pytest
import redis

from tests.e2e.stack import FAST, IMAGE, Stack, embedded_settings
from tests.helpers import HMAC_SECRET
from tests.services import drop_postgres, fresh_postgres, service_missing
from waterwheel.config import Settings
from waterwheel.db import Database

RABBITMQ = os.environ.get("WATERWHEEL_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672")
REDIS = os.environ.get("WATERWHEEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def vhost() -> Iterator[str]:
    """A RabbitMQ vhost of its own, so no scenario sees another's messages."""
    name = f"waterwheel-test-{uuid.uuid4().hex[:12]}"
    try:
        rabbitmqctl("add_vhost", name)
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    except (OSError, subprocess.SubprocessError):
        service_missing("RabbitMQ", "rabbitmq-server -detached")
    yield f"{RABBITMQ}/{name}"
    rabbitmqctl("delete_vhost", name)


def services_settings(amqp: str) -> tuple[Settings, Database]:
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.RedisError:
        service_missing("Redis", "redis-server --daemonize yes --port 6379")
    try:
        docker.from_env().images.get(IMAGE)
    except docker.errors.DockerException:
        service_missing(
            f"Docker with image {IMAGE}", "scripts/start-docker.sh && scripts/docker-images.sh"
        )
    db = fresh_postgres("e2e")
    settings = Settings(
        db_url=db.url,
        amqp_addr=amqp,
        redis_url=REDIS,
        task_engine="docker",
        # The test API listens on loopback only, which a bridged task cannot
        # reach: the host network, whatever the Docker engine offers.
        task_network="host",
        hmac_secret=HMAC_SECRET,
        no_authz=True,
        **FAST,
    )
    return settings, db


@pytest.fixture
def embedded(tmp_path) -> Iterator[tuple[Settings, Database]]:
    settings, db = embedded_settings(tmp_path)
    db.upgrade()
    yield settings, db
    db.dispose()


@pytest.fixture
def services(vhost) -> Iterator[tuple[Settings, Database]]:
    settings, db = services_settings(vhost)
    db.upgrade()
    yield settings, db
    db.dispose()
    drop_postgres(db.engine.url)


@pytest.fixture(params=["embedded", "services"])
def stack_settings(request) -> tuple[Settings, Database]:
    return request.getfixturevalue(request.param)


@pytest.fixture
def stack(stack_settings) -> Iterator[Stack]:
    settings, db = stack_settings
    running = Stack(settings, db)
    running.project()
    yield running
    running.stop()
