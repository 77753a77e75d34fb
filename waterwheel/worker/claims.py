"""Claims of queued runs, gathered from the worker's task slots.

Each slot must claim its run through the API before running it. A slot that
asks while fewer than ``IN_FLIGHT`` claims are on their way sends one for
everything asked so far; slots asking meanwhile wait and go in the next one. An
idle worker's claim goes at once; a busy worker's slots share requests and
transactions, and a slow answer holds up only part of them.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from waterwheel.broker.messages import MAX_CLAIM
from waterwheel.worker.api_client import ApiClient, ApiUnavailable

IN_FLIGHT = 2  # claims on their way at once


@dataclass
class _Ask:
    run_id: uuid.UUID
    task_id: uuid.UUID
    sent: bool = False
    answered: bool = False
    refusal: str | None = None
    error: Exception | None = None


class Claims:
    def __init__(self, api: ApiClient, worker_id: uuid.UUID) -> None:
        self.api = api
        self.worker_id = worker_id
        self._asks: list[_Ask] = []
        self._in_flight = 0
        self._changed = threading.Condition()

    def claim(self, run_id: uuid.UUID, task_id: uuid.UUID) -> str | None:
        """None when the run is ours to run, else why it must not run. The
        task's definition comes with the claim when the API client has not
        cached it. Raises ApiUnavailable when the API did not answer."""
        ask = _Ask(run_id, task_id)
        with self._changed:
            self._asks.append(ask)
        while True:
            with self._changed:
                while not ask.answered and (ask.sent or self._in_flight >= IN_FLIGHT):
                    self._changed.wait()
                if ask.answered:
                    break
                # Room for one more claim: this slot sends what waits.
                self._in_flight += 1
                batch, self._asks = self._asks[:MAX_CLAIM], self._asks[MAX_CLAIM:]
                for waiting in batch:
                    waiting.sent = True
            self._send(batch)
        if ask.error is not None:
            raise ask.error
        return ask.refusal

    def _send(self, batch: list[_Ask]) -> None:
        refused: dict[uuid.UUID, str] = {}
        # Unless an answer comes, no slot may take its run for claimed.
        error: Exception | None = ApiUnavailable("the claim was interrupted")
        try:
            unknown = list({a.task_id for a in batch if not self.api.knows_task(a.task_id)})
            refused = self.api.start_runs([a.run_id for a in batch], self.worker_id, unknown)
            error = None
        except Exception as exc:  # every slot in the batch hears of it
            error = exc
        finally:  # whatever happened, the waiting slots must not wait forever
            with self._changed:
                for ask in batch:
                    ask.refusal, ask.error, ask.answered = refused.get(ask.run_id), error, True
                self._in_flight -= 1
                self._changed.notify_all()
