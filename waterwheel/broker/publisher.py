"""What the API tells the rest of the system after it commits a change.

The API calls these only after its transaction commits, so a message never
names a row that does not exist yet. ``NullPublisher`` serves an API that runs
without a broker: the database is the record, and a scheduler that starts later
reloads everything from it. ``BrokerPublisher`` sends the original's message
bodies through a ``Broker``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from waterwheel.broker.messages import ActivateTokens, ClearTokens, ConfigUpdate, UnpauseJob

if TYPE_CHECKING:
    from waterwheel.broker.client import Broker

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def triggers_changed(self, trigger_ids: Iterable[uuid.UUID]) -> None:
        """Schedulers re-read these triggers (added, changed, paused or removed)."""

    def task_changed(self, task_ids: Iterable[uuid.UUID]) -> None:
        """Workers drop their cached definitions of these tasks."""

    def project_changed(self, project_id: uuid.UUID) -> None:
        """Workers drop their cached config of this project."""

    def tokens_activated(self, tokens: Iterable[tuple[uuid.UUID, datetime]], priority: str) -> None:
        """Schedulers run these tokens now, whatever their count."""

    def tokens_cleared(self, tokens: Iterable[tuple[uuid.UUID, datetime]]) -> None:
        """Schedulers forget anything pending for these tokens."""

    def job_unpaused(self, job_id: uuid.UUID) -> None:
        """Schedulers run the job's tokens that reached their threshold while paused."""


class NullPublisher:
    """Publishes nothing; logs what it would have sent."""

    def triggers_changed(self, trigger_ids: Iterable[uuid.UUID]) -> None:
        log.debug("no broker: triggers changed %s", list(trigger_ids))

    def task_changed(self, task_ids: Iterable[uuid.UUID]) -> None:
        log.debug("no broker: tasks changed %s", list(task_ids))

    def project_changed(self, project_id: uuid.UUID) -> None:
        log.debug("no broker: project changed %s", project_id)

    def tokens_activated(self, tokens: Iterable[tuple[uuid.UUID, datetime]], priority: str) -> None:
        log.debug("no broker: %s tokens activated at %s", len(list(tokens)), priority)

    def tokens_cleared(self, tokens: Iterable[tuple[uuid.UUID, datetime]]) -> None:
        log.debug("no broker: %s tokens cleared", len(list(tokens)))

    def job_unpaused(self, job_id: uuid.UUID) -> None:
        log.debug("no broker: job unpaused %s", job_id)


class BrokerPublisher:
    """Publishes each change to the schedulers or workers that act on it.

    Empty changes send nothing. A publish that still fails after the broker's
    retries raises to the caller, whose change is committed already.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    def triggers_changed(self, trigger_ids: Iterable[uuid.UUID]) -> None:
        ids = list(trigger_ids)
        if ids:
            self._broker.publish_trigger_update(ids)

    def task_changed(self, task_ids: Iterable[uuid.UUID]) -> None:
        for task_id in task_ids:
            self._broker.publish_config(ConfigUpdate("TaskDef", task_id))

    def project_changed(self, project_id: uuid.UUID) -> None:
        self._broker.publish_config(ConfigUpdate("Project", project_id))

    def tokens_activated(self, tokens: Iterable[tuple[uuid.UUID, datetime]], priority: str) -> None:
        keys = tuple(tokens)
        if keys:
            self._broker.publish_token_op(ActivateTokens(keys, priority))

    def tokens_cleared(self, tokens: Iterable[tuple[uuid.UUID, datetime]]) -> None:
        keys = tuple(tokens)
        if keys:
            self._broker.publish_token_op(ClearTokens(keys))

    def job_unpaused(self, job_id: uuid.UUID) -> None:
        self._broker.publish_token_op(UnpauseJob(job_id))
