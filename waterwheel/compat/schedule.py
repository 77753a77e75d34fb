"""Airflow schedules and their dates, for the translator and the runner.

A DAG's ``schedule`` (``None``, ``"@once"``, a preset, a cron string or a
timedelta) is normalised here, and so is the meaning of a Waterwheel trigger
time ``T`` for it, which differs by flavour (airflow-compat.md 2.1):

* ``trigger``: ``T`` is the logical date and the data interval is ``[T, T]``
  (Airflow 3's cron and delta schedules, ``@once``, no schedule).
* ``interval_start``: ``T`` is the start of the data interval (Airflow 2's
  logical date) and the trigger fires one interval later through its offset.
* ``interval_end``: ``T`` is the end of the data interval, for Airflow 2 crons
  whose intervals differ in length (a fixed offset would be wrong there); the
  logical date is the cron time before ``T``.

Cron times are computed with croniter (imported only when a cron schedule
needs it) in CRON_TIMEZONE: UTC, where Waterwheel's triggers evaluate crons,
whatever the DAG's timezone (the translator warns), so that the logical dates
and intervals the runner derives follow the times the trigger really fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}
TRIGGER, INTERVAL_START, INTERVAL_END = "trigger", "interval_start", "interval_end"
# Triggers have no timezone: a DAG's cron in Paris time runs at UTC times.
CRON_TIMEZONE = UTC
# How many consecutive cron times must be equally spaced for a fixed offset.
REGULARITY_SAMPLES = 64


class UnsupportedSchedule(ValueError):
    """A schedule Waterwheel cannot turn into a trigger."""


@dataclass(frozen=True)
class Schedule:
    kind: str  # "none", "once", "cron" or "delta"
    cron: str | None = None  # five fields, presets expanded
    delta: timedelta | None = None


def resolve(dag: Any, flavour: str) -> Schedule:
    """The DAG's schedule; an omitted one is a day in Airflow 2 and none in 3."""
    raw = dag.schedule_arg
    if dag.schedule_keyword is None:
        raw = timedelta(days=1) if flavour == "2" else None
    if raw is None:
        return Schedule("none")
    if isinstance(raw, timedelta):
        if raw.total_seconds() < 1:
            raise UnsupportedSchedule(f"schedule {raw} is shorter than a second")
        return Schedule("delta", delta=raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text == "@once":
            return Schedule("once")
        if text.startswith("@") and text not in PRESETS:
            raise UnsupportedSchedule(f"schedule {text!r} is not supported")
        cron = PRESETS.get(text, text)
        if len(cron.split()) != 5:
            raise UnsupportedSchedule(f"cron {text!r} must have five fields")
        return Schedule("cron", cron=cron)
    raise UnsupportedSchedule(
        f"schedule {raw!r} ({type(raw).__name__}) is not supported: use None, '@once',"
        " a preset, a cron string or a timedelta"
    )


def cron_after(cron: str, t: datetime, tz: tzinfo) -> datetime:
    """The first cron time strictly after ``t``, in ``tz``, as UTC."""
    from croniter import croniter

    return croniter(cron, t.astimezone(tz)).get_next(datetime).astimezone(UTC)


def cron_before(cron: str, t: datetime, tz: tzinfo) -> datetime:
    """The last cron time strictly before ``t``, in ``tz``, as UTC."""
    from croniter import croniter

    return croniter(cron, t.astimezone(tz)).get_prev(datetime).astimezone(UTC)


def cron_at_or_after(cron: str, t: datetime, tz: tzinfo) -> datetime:
    return cron_after(cron, t - timedelta(seconds=1), tz)


def regular_interval(cron: str, start: datetime, tz: tzinfo) -> timedelta | None:
    """The spacing of the cron's times from ``start`` on, when it is constant."""
    times = [cron_at_or_after(cron, start, tz)]
    for _ in range(REGULARITY_SAMPLES):
        times.append(cron_after(cron, times[-1], tz))
    gaps = {later - earlier for earlier, later in zip(times, times[1:], strict=False)}
    return gaps.pop() if len(gaps) == 1 else None


def timing(schedule: Schedule, flavour: str, start: datetime | None, tz: tzinfo) -> str:
    """What a trigger time means for this schedule and flavour (module docstring)."""
    if flavour != "2" or schedule.kind in ("none", "once"):
        return TRIGGER
    irregular = (
        schedule.kind == "cron"
        and start is not None
        and regular_interval(schedule.cron or "", start, tz) is None
    )
    return INTERVAL_END if irregular else INTERVAL_START


@dataclass(frozen=True)
class RunDates:
    """The dates of one run, as the template context shows them (UTC)."""

    logical_date: datetime
    data_interval_start: datetime
    data_interval_end: datetime
    prev_logical_date: datetime | None  # Airflow 2's prev_execution_date
    next_logical_date: datetime | None  # Airflow 2's next_execution_date


def _step(schedule: Schedule, t: datetime, tz: tzinfo, forward: bool) -> datetime | None:
    if schedule.kind == "delta":
        assert schedule.delta is not None
        return t + schedule.delta if forward else t - schedule.delta
    if schedule.kind == "cron":
        move = cron_after if forward else cron_before
        return move(schedule.cron or "", t, tz)
    return None


def run_dates(
    schedule: Schedule, flavour: str, how: str, t: datetime, manual: bool, tz: tzinfo
) -> RunDates:
    """The logical date and data interval of the run of trigger time ``t``.

    A manual run (triggered with a conf) has ``t`` = its logical date; Airflow 2
    gives it the last complete interval before ``t`` and no prev/next dates of
    its own (both are ``t``).
    """
    t = t.astimezone(UTC)
    if flavour != "2" or schedule.kind in ("none", "once"):
        return RunDates(t, t, t, None, None)
    if manual:
        if schedule.kind == "delta":
            end = t
        else:
            end = cron_at_or_after(schedule.cron or "", t, tz)
            end = end if end == t else cron_before(schedule.cron or "", t, tz)
        start = _step(schedule, end, tz, forward=False) or end
        return RunDates(t, start, end, t, t)
    if how == INTERVAL_END:
        start, end = _step(schedule, t, tz, forward=False) or t, t
    else:
        start, end = t, _step(schedule, t, tz, forward=True) or t
    return RunDates(start, start, end, _step(schedule, start, tz, forward=False), end)
