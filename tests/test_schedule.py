"""Trigger-time arithmetic: the jumps a catch-up makes agree with walking the times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from waterwheel.scheduler.schedule import TriggerTimes

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CRONS = ["0 */15 * * * *", "0 30 9 * * Mon-Fri", "0 0 0 1 * *", "0 0 12 * * Sun"]


def walked_last_due(times: TriggerTimes, now: datetime) -> datetime | None:
    """The slow answer: every time from the start, one by one."""
    newest = None
    t = times.first()
    while t is not None and times.fires_at(t) <= now:
        newest, t = t, times.after(t)
    return newest


schedules = st.builds(
    TriggerTimes,
    start=st.integers(0, 20 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m)),
    end=st.none() | st.integers(0, 30 * 24).map(lambda h: T0 + timedelta(hours=h)),
    period=st.none() | st.sampled_from([300, 3600, 7 * 3600, 86400, 7 * 86400]),
    cron=st.sampled_from(CRONS),
    offset=st.integers(-7200, 7200) | st.sampled_from([0, 60, -900]),
)


@settings(max_examples=200, deadline=None)
@given(times=schedules, seconds=st.integers(-3600, 30 * 86400))
def test_last_due_is_the_newest_time_a_walk_finds(times: TriggerTimes, seconds: int) -> None:
    # (A period wins over a cron expression, as in a stored trigger.)
    now = T0 + timedelta(seconds=seconds)
    assert times.last_due(now) == walked_last_due(times, now)


def test_last_due_jumps_a_gap_of_millions() -> None:
    every_second = TriggerTimes(start=T0, end=None, period=1, cron=None, offset=0)
    now = datetime(2030, 6, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    assert every_second.last_due(now) == now.replace(microsecond=0)
    yearly = TriggerTimes(start=T0, end=None, period=None, cron="0 0 0 1 1 *", offset=0)
    assert yearly.last_due(now) == datetime(2030, 1, 1, tzinfo=UTC)


def test_last_due_before_the_start_or_of_an_ended_trigger() -> None:
    hourly = TriggerTimes(start=T0, end=T0 + timedelta(hours=3), period=3600, cron=None)
    assert hourly.last_due(T0 - timedelta(seconds=1)) is None
    assert hourly.last_due(T0 + timedelta(days=9)) == T0 + timedelta(hours=2)  # end excluded


def test_last_due_at_the_moment_a_time_fires() -> None:
    for times in (
        TriggerTimes(start=T0, end=None, period=900, cron=None, offset=-60),
        TriggerTimes(start=T0, end=None, period=None, cron="0 */15 * * * *", offset=-60),
    ):
        t = T0 + timedelta(hours=5)
        moment = times.fires_at(t)
        assert times.last_due(moment - timedelta(microseconds=1)) == t - timedelta(minutes=15)
        assert times.last_due(moment) == t
        assert times.last_due(moment + timedelta(minutes=15) - timedelta(microseconds=1)) == t
