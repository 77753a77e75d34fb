"""Running one task request, from claim to final progress.

The order matters: the claim makes sure no other worker runs the same run and
brings the task's definition if it is not cached (an unreachable API leaves
the request unacknowledged, to come again), and the final progress is
published before the request is acknowledged, so a worker that dies mid-run
leaves a run that the scheduler sees go silent and runs again.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from waterwheel.auth.tokens import StashGrant, TokenKeys
from waterwheel.broker.messages import Progress, TaskRequest
from waterwheel.config import Settings
from waterwheel.states import State
from waterwheel.task_definition import TaskDefinition
from waterwheel.timeutil import format_datetime, utcnow
from waterwheel.worker.api_client import ApiClient
from waterwheel.worker.claims import Claims
from waterwheel.worker.engines.base import Engine, Result, RunSpec

log = logging.getLogger(__name__)

# The stash token outlives the run's timeout by this much (seconds).
TOKEN_MARGIN = 300


def task_environment(
    definition: TaskDefinition,
    request: TaskRequest,
    settings: Settings,
    stash_token: str,
) -> dict[str, str]:
    """The task's own env entries, then Waterwheel's variables, which win."""
    env = dict(entry.split("=", 1) for entry in definition.env or [])
    env.update(
        {
            "WATERWHEEL_TRIGGER_DATETIME": format_datetime(request.trigger_datetime) or "",
            "WATERWHEEL_TASK_NAME": definition.task_name,
            "WATERWHEEL_TASK_ID": str(definition.task_id),
            "WATERWHEEL_JOB_NAME": definition.job_name,
            "WATERWHEEL_JOB_ID": str(definition.job_id),
            "WATERWHEEL_PROJECT_NAME": definition.project_name,
            "WATERWHEEL_PROJECT_ID": str(definition.project_id),
            "WATERWHEEL_SERVER_ADDR": settings.server_addr,
            "WATERWHEEL_JWT": stash_token,
            "WATERWHEEL_TASK_RUN_ID": str(request.task_run_id),
            "WATERWHEEL_ATTEMPT": str(request.attempt),
        }
    )
    return env


class TaskRunner:
    def __init__(
        self,
        settings: Settings,
        worker_id: uuid.UUID,
        api: ApiClient,
        keys: TokenKeys,
        engine: Engine,
        publish: Callable[[Progress], None],
        open_log: Callable[[uuid.UUID], Any],
    ) -> None:
        self.settings = settings
        self.worker_id = worker_id
        self.api = api
        self.claims = Claims(api, worker_id)
        self.keys = keys
        self.engine = engine
        self.publish = publish
        self.open_log = open_log
        self.stop = threading.Event()
        # Runs in progress and when each started, for the heartbeats.
        self._running: dict[uuid.UUID, tuple[TaskRequest, datetime]] = {}
        self._running_lock = threading.Lock()

    def handle(self, request: TaskRequest) -> State | None:
        """Run the request to its end; returns the result, or None when the run
        was not ours to run (already claimed, finished or cancelled) or was
        handed back because the worker is stopping."""
        refused = self.claims.claim(request.task_run_id, request.task_id)
        if refused is not None:
            log.info("task run %s not run: %s", request.task_run_id, refused)
            return None
        definition = self.api.task_definition(request.task_id)  # cached by the claim
        started = utcnow()  # the claim marked the run running; heartbeats follow
        if definition is None:
            result = Result(State.ERROR, "task definition not found")
        elif definition.image is None:
            result = Result(State.SUCCESS)  # a no-op task
        else:
            result = self._run(request, definition, started)
        if self.stop.is_set() and result.outcome == State.ERROR:
            # Not the task's fault: the scheduler runs it again at once.
            log.info("stopping: task run %s is handed back", request.task_run_id)
            self._progress(
                request, started, utcnow(), State.ERROR, "worker stopped", interrupted=True
            )
            return None
        outcome = result.outcome
        skip_code = definition.skip_exit_code if definition else None
        if skip_code is not None and result.exit_code == skip_code:
            outcome, result.message = State.SKIPPED, f"skipped (exit code {skip_code})"
        self._progress(
            request, started, utcnow(), outcome, result.message or None, result.exit_code
        )
        return outcome

    def _run(self, request: TaskRequest, definition: TaskDefinition, started: datetime) -> Result:
        timeout = definition.timeout_secs or self.settings.default_task_timeout
        grant = StashGrant(
            task_id=definition.task_id,
            job_id=definition.job_id,
            project_id=definition.project_id,
            trigger_datetime=request.trigger_datetime,
        )
        token = self.keys.stash_token(grant, lifetime=int(timeout) + TOKEN_MARGIN)
        spec = RunSpec(
            task_run_id=request.task_run_id,
            image=definition.image,
            args=list(definition.args),
            env=task_environment(definition, request, self.settings, token),
            command=definition.command,
            timeout=float(timeout),
            name=definition.task_name,
            worker_id=self.worker_id,
        )
        writer = self.open_log(request.task_run_id)
        with self._running_lock:
            self._running[request.task_run_id] = (request, started)
        try:
            result = self.engine.run(spec, writer, self.stop)
        finally:
            with self._running_lock:
                del self._running[request.task_run_id]
        try:
            writer.close(result.outcome)
        except Exception:
            log.exception("closing the log of %s failed", request.task_run_id)
        return result

    def is_running(self, task_run_id: uuid.UUID) -> bool:
        with self._running_lock:
            return task_run_id in self._running

    def send_heartbeats(self, stopping: threading.Event) -> None:
        """``running`` for each run in progress, every task_heartbeat until
        ``stopping``: the scheduler's proof that the runs are alive. One loop
        for all runs (not a thread each): short tasks cost no thread."""
        while not stopping.wait(self.settings.task_heartbeat):
            with self._running_lock:
                running = list(self._running.values())
            for request, started in running:
                try:
                    self._progress(request, started, None, State.RUNNING)
                except Exception:
                    log.exception("heartbeat of task run %s failed", request.task_run_id)

    def _progress(
        self,
        request: TaskRequest,
        started: datetime,
        finished: datetime | None,
        result: State,
        message: str | None = None,
        exit_code: int | None = None,
        interrupted: bool = False,
    ) -> None:
        progress = Progress(
            task_run_id=request.task_run_id,
            task_id=request.task_id,
            trigger_datetime=request.trigger_datetime,
            started_datetime=started,
            finished_datetime=finished,
            result=result,
            worker_id=self.worker_id,
            attempt=request.attempt,
            message=message,
            exit_code=exit_code,
            interrupted=interrupted,
        )
        signature = self.keys.sign_message(progress.signed_part())
        self.publish(dataclasses.replace(progress, signature=signature))
