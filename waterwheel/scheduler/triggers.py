"""Firing triggers: the trigger times that are due become tokens.

A scheduler keeps the triggers it owns in memory with the latest time each has
fired. Firing moves ``latest_trigger_datetime`` forward with compare-and-set in
the same transaction that adds the tokens, so a trigger time fires once even
when two schedulers both believe they own the trigger for a moment.

Catch-up (when a trigger is first seen, changed, or its job unpaused) follows
the trigger's mode: ``earliest`` runs missed times oldest first, ``latest``
newest first, ``random`` shuffled, all at back-fill priority; ``none`` skips
them (the bookmark moves past them without tokens); ``latest_only`` skips all
but the newest, which runs at back-fill priority (Airflow's catchup=False).
Times that come due while a scheduler watches fire at normal priority.

However many times are missed, at most ``max_catchup`` (WATERWHEEL_MAX_CATCHUP)
of a trigger run: when more are due, the oldest are skipped as ``none`` skips
them, with a warning, and the trigger's ``catchup_skipped_through`` says up to
when. A start moved back likewise fills in at most that many times before the
earliest fired. A period of 1s from 1970 would otherwise queue billions of runs.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import Job, Task, Trigger, TriggerEdge
from waterwheel.scheduler.runs import Execution, add_tokens, run_ready
from waterwheel.scheduler.schedule import TriggerTimes
from waterwheel.states import Priority
from waterwheel.timeutil import format_datetime, utcnow

log = logging.getLogger(__name__)

# Trigger times fired per transaction: bounds a long catch-up's transactions.
BATCH = 1000
# Catch-up modes that skip missed times (latest_only but its newest), and also
# the times before a start moved back, which are older than any fired.
SKIPPING_MODES = frozenset({"none", "latest_only"})


@dataclass
class OwnedTrigger:
    id: uuid.UUID
    times: TriggerTimes
    catchup: str
    latest: datetime | None
    earliest: datetime | None
    fresh: bool = True  # not caught up yet
    backfilled: int = 0  # times before a start moved back fired by this catch-up
    definition: tuple = field(default=())  # what, changed, calls for a catch-up

    def next_moment(self) -> datetime | None:
        t = self.times.next_time(self.latest)
        return None if t is None else self.times.fires_at(t)


def trigger_times(row: Trigger) -> TriggerTimes:
    """The schedule of a stored trigger."""
    return TriggerTimes(
        start=row.start_datetime,
        end=row.end_datetime,
        period=row.period,
        cron=row.cron,
        offset=row.trigger_offset or 0,
    )


def _owned_from_row(row: Trigger) -> OwnedTrigger:
    times = trigger_times(row)
    return OwnedTrigger(
        id=row.id,
        times=times,
        catchup=row.catchup,
        latest=row.latest_trigger_datetime,
        earliest=row.earliest_trigger_datetime,
        definition=(times, row.catchup),
    )


def load_triggers(session: Session) -> list[OwnedTrigger]:
    rows = session.scalars(
        select(Trigger).join(Job, Job.id == Trigger.job_id).where(Job.paused.is_(False))
    )
    return [_owned_from_row(row) for row in rows]


def fire(
    session: Session,
    trigger: OwnedTrigger,
    times: list[datetime],
    priority: str,
    fed: list[datetime] | None = None,
    skipped_through: datetime | None = None,
) -> list[Execution] | None:
    """Fire ``times`` (ascending) of ``trigger``: the bookmark moves to the
    newest, with tokens for those of ``fed`` (default: all of them; a catch-up
    that skips times passes the first and last it skips, and feeds fewer);
    ``skipped_through`` records the newest skipped over the catch-up cap.
    None when the compare-and-set lost: another scheduler fired them, the
    trigger changed or went, or its job was paused."""
    newest, oldest = times[-1], times[0]
    # A paused job fires nothing, even before this scheduler hears of the pause.
    # The share lock holds a pause back until this commits, so a time fired
    # before a pause has its runs, and none fires after it.
    unpaused = select(Job.id).where(Job.paused.is_(False)).with_for_update(read=True)
    moved = session.execute(
        update(Trigger)
        .where(
            Trigger.id == trigger.id,
            Trigger.latest_trigger_datetime.is_not_distinct_from(trigger.latest),
            Trigger.job_id.in_(unpaused),
        )
        .values(
            latest_trigger_datetime=newest,
            earliest_trigger_datetime=func.coalesce(
                func.min(Trigger.earliest_trigger_datetime, oldest)
                if session.get_bind().dialect.name == "sqlite"
                else func.least(Trigger.earliest_trigger_datetime, oldest),
                oldest,
            ),
            **_skipped(skipped_through),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return None
    trigger.latest = newest
    trigger.earliest = min(trigger.earliest or oldest, oldest)
    return feed(session, trigger.id, times if fed is None else fed, priority)


def _skipped(through: datetime | None) -> dict[str, datetime]:
    """The column update recording times skipped over the catch-up cap, if any."""
    return {} if through is None else {"catchup_skipped_through": through}


def feed(
    session: Session, trigger_id: uuid.UUID, times: list[datetime], priority: str
) -> list[Execution]:
    """A token for each task the trigger feeds at each time, and the runs they start."""
    edges = session.execute(
        select(TriggerEdge.task_id, TriggerEdge.edge_offset)
        .join(Task, Task.id == TriggerEdge.task_id)
        .where(TriggerEdge.trigger_id == trigger_id, Task.active.is_(True))
    ).all()
    keys = [(task_id, t + timedelta(seconds=offset)) for t in times for task_id, offset in edges]
    return run_ready(session, add_tokens(session, keys), priority)


def order_catchup(executions: list[Execution], mode: str) -> list[Execution]:
    """The order back-filled runs are queued in, which is the order they run."""

    def key(e: Execution) -> datetime:
        return e.request.trigger_datetime

    if mode == "latest":
        return sorted(executions, key=key, reverse=True)
    if mode == "random":
        shuffled = list(executions)
        random.shuffle(shuffled)
        return shuffled
    return sorted(executions, key=key)


class TriggerLoop:
    """Fires the triggers this scheduler owns, as their times come."""

    def __init__(
        self,
        db: Database,
        owns: Callable[[uuid.UUID], bool],
        dispatch: Callable[[list[Execution]], None],
        on_queue_length: Callable[[int, uuid.UUID | None], None] = lambda n, t: None,
        max_catchup: int = Settings.max_catchup,
    ) -> None:
        self.db = db
        self.max_catchup = max_catchup
        self.owns = owns
        self.dispatch = dispatch
        self.on_queue_length = on_queue_length
        self.triggers: dict[uuid.UUID, OwnedTrigger] = {}
        self.wake = threading.Event()
        self._reload = threading.Event()
        self._reload.set()

    def reload(self) -> None:
        """Re-read the triggers (they changed, or ownership did) and wake up."""
        self._reload.set()
        self.wake.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.wake.clear()  # before looking: a wake-up from now on is not lost
            if self._reload.is_set():
                self._reload.clear()
                self._refresh()
            waiting_for = self._fire_due()
            if waiting_for is None:
                self.wake.wait(5.0)
            else:
                moment, _ = waiting_for
                self.wake.wait(min(5.0, max(0.0, (moment - utcnow()).total_seconds())))
            if stop.is_set():
                break

    def _refresh(self) -> None:
        with self.db.transaction() as session:
            rows = [t for t in load_triggers(session) if self.owns(t.id)]
        owned: dict[uuid.UUID, OwnedTrigger] = {}
        for row in rows:
            known = self.triggers.get(row.id)
            if known is not None and known.definition == row.definition:
                # Unchanged: carry on from the stored bookmark, no catch-up.
                known.latest, known.earliest = row.latest, row.earliest
                owned[row.id] = known
            else:
                owned[row.id] = row  # new, changed, unpaused or newly owned: catch up
        self.triggers = owned

    def _fire_due(self) -> tuple[datetime, uuid.UUID] | None:
        """Fire a batch of what is due of each trigger; returns the next moment
        something is due (now, while a catch-up goes on)."""
        now = utcnow()
        upcoming: tuple[datetime, uuid.UUID] | None = None
        for trigger in list(self.triggers.values()):
            try:
                more = self._fire_trigger(trigger, now)
            except Exception:
                log.exception("firing trigger %s failed; will retry", trigger.id)
                self._reload.set()
                continue
            moment = now if more else trigger.next_moment()
            if moment is not None and (upcoming is None or moment < upcoming[0]):
                upcoming = (moment, trigger.id)
        self.on_queue_length(len(self.triggers), upcoming[1] if upcoming else None)
        return upcoming

    def _fire_trigger(self, trigger: OwnedTrigger, now: datetime) -> bool:
        """Fire one batch of what is due, so that a long catch-up does not hold
        up the other triggers; True when more is due."""
        if trigger.fresh and trigger.catchup in SKIPPING_MODES:
            trigger.fresh = False
            if not self._skip_missed(trigger, now):
                return False
        if trigger.fresh and trigger.earliest is not None and self._backfill_start(trigger):
            return True
        times = trigger.times.due(trigger.latest, now, max(BATCH, self.max_catchup) + 1)
        if not times:
            trigger.fresh = False  # caught up
            return False
        skipped: list[datetime] = []  # the oldest and newest skipped over the cap
        if len(times) > self.max_catchup:
            # Any backlog, also one that grew while this scheduler was stalled.
            kept = trigger.times.newest_due(now, self.max_catchup + 1)
            skipped, times = [times[0], kept[0]], kept[1:]
            log.warning(
                "trigger %s is more than WATERWHEEL_MAX_CATCHUP=%d times behind: skipping"
                " the missed times %s to %s, running those from %s",
                trigger.id,
                self.max_catchup,
                format_datetime(skipped[0]),
                format_datetime(skipped[1]),
                format_datetime(times[0]),
            )
        batch = times[:BATCH]
        catching_up = trigger.fresh or bool(skipped)
        priority = Priority.BACKFILL if catching_up else Priority.NORMAL
        with self.db.transaction() as session:
            executions = fire(
                session,
                trigger,
                [*skipped, *batch],
                priority,
                batch if skipped else None,
                skipped[-1] if skipped else None,
            )
        if executions is None:
            self._reload.set()  # someone else moved it: re-read before going on
            return False
        self.dispatch(order_catchup(executions, trigger.catchup) if catching_up else executions)
        return len(times) > BATCH

    def _skip_missed(self, trigger: OwnedTrigger, now: datetime) -> bool:
        """Move the bookmark over the missed times in one step, firing only the
        newest for ``latest_only``; False when another scheduler moved it first."""
        first = trigger.times.next_time(trigger.latest)
        newest = trigger.times.last_due(now)
        if first is None or newest is None or newest < first:
            return True  # nothing was missed
        fed = [newest] if trigger.catchup == "latest_only" else []
        with self.db.transaction() as session:
            executions = fire(session, trigger, [first, newest], Priority.BACKFILL, fed)
        if executions is None:
            self._reload.set()
            return False
        self.dispatch(executions)
        return True

    def _backfill_start(self, trigger: OwnedTrigger) -> bool:
        """``start`` moved before the earliest fired time: fire the newest batch
        of the gap, once, and skip what is left of it past the catch-up cap;
        False when none of it is left."""
        assert trigger.earliest is not None
        room = self.max_catchup - trigger.backfilled
        times = trigger.times.before(trigger.earliest, min(BATCH, room) if room > 0 else 1)
        if not times:
            return False
        skipped_through = None if room > 0 else times[-1]
        earliest = times[0] if skipped_through is None else trigger.times.start
        with self.db.transaction() as session:
            moved = session.execute(
                update(Trigger)
                .where(
                    Trigger.id == trigger.id,
                    Trigger.earliest_trigger_datetime == trigger.earliest,
                )
                .values(earliest_trigger_datetime=earliest, **_skipped(skipped_through))
                .execution_options(synchronize_session=False)
            ).rowcount
            fed = moved and skipped_through is None
            executions = feed(session, trigger.id, times, Priority.BACKFILL) if fed else []
        if not moved:
            self._reload.set()  # someone else moved it: re-read before going on
            return False
        trigger.earliest = earliest
        if skipped_through is not None:
            log.warning(
                "trigger %s: start moved back more than WATERWHEEL_MAX_CATCHUP=%d times:"
                " skipping the times %s to %s",
                trigger.id,
                self.max_catchup,
                format_datetime(earliest),
                format_datetime(skipped_through),
            )
            return False
        trigger.backfilled += len(times)
        self.dispatch(order_catchup(executions, trigger.catchup))
        return True
