"""Logical dates and data intervals per flavour (airflow-compat.md 2.1): @daily,
a weekday cron, timedelta(hours=4) and a manual run, in Airflow 2 and 3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from waterwheel.compat.schedule import (
    INTERVAL_END,
    INTERVAL_START,
    TRIGGER,
    RunDates,
    Schedule,
    regular_interval,
    run_dates,
)

DAILY = Schedule("cron", cron="0 0 * * *")
WEEKDAYS = Schedule("cron", cron="0 6 * * 1-5")
FOUR_HOURS = Schedule("delta", delta=timedelta(hours=4))


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "how", "t", "expected"),
    [
        # Airflow 2, data intervals: T is the interval start, the run fires at its end.
        (
            DAILY,
            INTERVAL_START,
            at(2024, 3, 5),
            RunDates(
                at(2024, 3, 5), at(2024, 3, 5), at(2024, 3, 6), at(2024, 3, 4), at(2024, 3, 6)
            ),
        ),
        (
            FOUR_HOURS,
            INTERVAL_START,
            at(2024, 3, 5, 8),
            RunDates(
                at(2024, 3, 5, 8),
                at(2024, 3, 5, 8),
                at(2024, 3, 5, 12),
                at(2024, 3, 5, 4),
                at(2024, 3, 5, 12),
            ),
        ),
        # Weekdays: T is the interval end (Monday 06:00 closes Friday's interval).
        (
            WEEKDAYS,
            INTERVAL_END,
            at(2024, 3, 11, 6),
            RunDates(
                at(2024, 3, 8, 6),
                at(2024, 3, 8, 6),
                at(2024, 3, 11, 6),
                at(2024, 3, 7, 6),
                at(2024, 3, 11, 6),
            ),
        ),
    ],
)
def test_airflow2_scheduled_runs(schedule, how, t, expected) -> None:
    assert run_dates(schedule, "2", how, t, False, UTC) == expected


@pytest.mark.parametrize("schedule", [DAILY, WEEKDAYS, FOUR_HOURS, Schedule("none")])
def test_airflow3_runs_are_zero_width_at_the_trigger_time(schedule) -> None:
    t = at(2024, 3, 5, 6, 30)
    for manual in (False, True):
        assert run_dates(schedule, "3", TRIGGER, t, manual, UTC) == RunDates(t, t, t, None, None)


@pytest.mark.parametrize(
    ("schedule", "start", "end"),
    [
        (DAILY, at(2024, 3, 4), at(2024, 3, 5)),
        (WEEKDAYS, at(2024, 3, 4, 6), at(2024, 3, 5, 6)),
        (FOUR_HOURS, at(2024, 3, 5, 6, 30) - timedelta(hours=4), at(2024, 3, 5, 6, 30)),
        (Schedule("none"), at(2024, 3, 5, 6, 30), at(2024, 3, 5, 6, 30)),
    ],
)
def test_airflow2_manual_runs_get_the_last_complete_interval(schedule, start, end) -> None:
    t = at(2024, 3, 5, 6, 30)
    dates = run_dates(schedule, "2", INTERVAL_START, t, True, UTC)
    assert dates.logical_date == t
    assert (dates.data_interval_start, dates.data_interval_end) == (start, end)
    if schedule.kind != "none":
        assert dates.prev_logical_date == dates.next_logical_date == t


def test_regular_and_irregular_crons() -> None:
    assert regular_interval("0 0 * * *", at(2024, 1, 1), UTC) == timedelta(days=1)
    assert regular_interval("*/15 * * * *", at(2024, 1, 1), UTC) == timedelta(minutes=15)
    assert regular_interval("0 6 * * 1-5", at(2024, 1, 1), UTC) is None
    assert regular_interval("0 0 1 * *", at(2024, 1, 1), UTC) is None
