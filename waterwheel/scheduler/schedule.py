"""When a trigger fires: its trigger times, pure arithmetic on a trigger row.

A trigger time ``t`` is a logical time; it fires at the wall-clock moment
``t + offset``. Times run from ``start`` (inclusive) to ``end`` (exclusive);
after ``t`` comes ``t + period`` or the next cron time after ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from waterwheel.cron import CronSchedule


@lru_cache(maxsize=1024)
def _cron(expression: str) -> CronSchedule:
    return CronSchedule(expression)


@dataclass(frozen=True)
class TriggerTimes:
    start: datetime
    end: datetime | None
    period: int | None  # seconds
    cron: str | None
    offset: int = 0  # seconds

    def after(self, t: datetime) -> datetime | None:
        """The trigger time following ``t``, or None when the trigger has ended."""
        if self.period is not None:
            following = t + timedelta(seconds=self.period)
        else:
            following = _cron(self.cron or "").next_after(t)
        if following is None or (self.end is not None and following >= self.end):
            return None
        return following

    def first(self) -> datetime | None:
        if self.end is not None and self.start >= self.end:
            return None
        return self.start

    def next_time(self, latest: datetime | None) -> datetime | None:
        """The first trigger time not fired yet, given the latest one fired."""
        return self.first() if latest is None else self.after(latest)

    def first_due_from(self, moment: datetime) -> datetime | None:
        """The first trigger time whose moment is not before ``moment`` (what a
        trigger that skips missed times fires next), without walking the gap."""
        t = self._first_from(moment - timedelta(seconds=self.offset))
        if t is None or (self.end is not None and t >= self.end):
            return None
        return t

    def last_due(self, now: datetime) -> datetime | None:
        """The newest trigger time whose moment has come by ``now``, or None,
        without walking from ``start``: a trigger that skips missed times may
        have millions of them (every second since years)."""
        limit = now - timedelta(seconds=self.offset)
        if self.end is not None:
            limit = min(limit, self.end - timedelta(microseconds=1))
        return self._newest_up_to(limit)

    def newest_due(self, now: datetime, count: int) -> list[datetime]:
        """The newest ``count`` trigger times whose moment has come by ``now``,
        ascending, without walking from ``start``."""
        newest = self.last_due(now)
        return [] if newest is None else self.before(newest + timedelta(microseconds=1), count)

    def _newest_up_to(self, limit: datetime) -> datetime | None:
        """The newest trigger time at or before ``limit``, whatever the end."""
        if limit < self.start:
            return None
        if self.period is not None:
            period = timedelta(seconds=self.period)
            return self.start + (limit - self.start) // period * period
        # A cron expression only counts forwards: look back over a window that
        # doubles until it holds a time, then walk the window.
        window = timedelta(hours=1)
        while (t := self._first_from(limit - window)) is None or t > limit:
            window *= 2
        while (following := self.after(t)) is not None and following <= limit:
            t = following
        return t

    def _first_from(self, x: datetime) -> datetime | None:
        """The first trigger time at or after ``x``, whatever the end."""
        if x <= self.start:
            return self.start
        if self.period is not None:
            steps = -(-(x - self.start) // timedelta(seconds=self.period))  # ceiling
            return self.start + steps * timedelta(seconds=self.period)
        return _cron(self.cron or "").next_after(x - timedelta(microseconds=1))

    def fires_at(self, t: datetime) -> datetime:
        """The wall-clock moment trigger time ``t`` is due."""
        return t + timedelta(seconds=self.offset)

    def due(self, latest: datetime | None, now: datetime, limit: int) -> list[datetime]:
        """Up to ``limit`` unfired trigger times whose moment has come by ``now``.

        The offset counts (the original compared the logical time with now).
        """
        times: list[datetime] = []
        t = self.next_time(latest)
        while t is not None and self.fires_at(t) <= now and len(times) < limit:
            times.append(t)
            t = self.after(t)
        return times

    def before(self, earliest: datetime, limit: int) -> list[datetime]:
        """The newest ``limit`` trigger times before ``earliest``, ascending: the
        back-fill owed when ``start`` was moved earlier, fired newest part first
        so that ``earliest`` keeps track of what is left."""
        times: list[datetime] = []
        t = self._newest_up_to(earliest - timedelta(microseconds=1))
        while t is not None and len(times) < limit:
            times.append(t)
            t = self._newest_up_to(t - timedelta(microseconds=1))
        return times[::-1]
