"""Cron schedules, evaluated in UTC, in two dialects told apart by their field count.

* Waterwheel's own, from the Rust ``cron`` crate the original uses -- 6 or 7 fields,
  seconds first: ``sec min hour day-of-month month day-of-week [year]``. Day-of-week
  runs 1-7 with **1 = Sunday**; a day must match day-of-month AND day-of-week; ``?``
  stands for ``*`` in those two fields; years run 1970-2100 (also when omitted).
* Unix/Vixie, which Airflow users write -- 5 fields: ``min hour day-of-month month
  day-of-week``, firing at second 0. Day-of-week runs 0-7 with 0 and 7 = Sunday; when
  neither day field is ``*`` (or ``?``) a day matching EITHER of them fires (OR).

Both take ``*``, numbers, names (``jan``/``january``, ``mon``/``monday``, ``tues``,
``thurs``; any case), ranges ``a-b``, steps ``*/n``, ``a/n`` and ``a-b/n``, and comma
lists. The shorthands ``@yearly``, ``@annually``, ``@monthly``, ``@weekly`` (Sunday),
``@daily``, ``@midnight`` and ``@hourly`` fire at second 0. ``L``, ``W``, ``#`` and
``H`` are not supported.

Fields are expanded here into explicit value lists and croniter only searches for the
next matching time: its own parser numbers Sunday 0, reads an equal range such as
``5-5`` as the whole field, and stops at year 2099.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# Sunday first, numbered from 0 as Unix does; the original dialect adds one.
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("sun", "sunday"),
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
        )
    )
    for name in names
}


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: Mapping[str, int] = field(default_factory=dict)
    allows_any: bool = False  # "?" is accepted as "*"

    def value(self, token: str) -> int:
        if token.isascii() and token.isdigit():
            number = int(token)
        elif token.lower() in self.names:
            number = self.names[token.lower()]
        else:
            raise ValueError(f"invalid {self.name} value {token!r}")
        if not self.low <= number <= self.high:
            raise ValueError(f"{self.name} value {number} is outside {self.low}-{self.high}")
        return number

    def expand(self, text: str) -> tuple[int, ...] | None:
        """The sorted values a field allows, or None when it is ``*``/``?`` (no limit)."""
        if text == "*" or (self.allows_any and text == "?"):
            return None
        values: set[int] = set()
        for item in text.split(","):
            base, slash, step_text = item.partition("/")
            step = 1
            if slash:
                if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
                    raise ValueError(f"invalid step in {self.name} field: {item!r}")
                step = int(step_text)
            if base == "*" or (self.allows_any and base == "?"):
                low, high = self.low, self.high
            elif "-" in base:
                first, _, last = base.partition("-")
                low, high = self.value(first), self.value(last)
                if low > high:
                    raise ValueError(f"invalid {self.name} range {base!r}: start after end")
            else:
                low = self.value(base)
                high = self.high if slash else low  # "a/n" runs from a to the field's end
            values.update(range(low, high + 1, step))
        return tuple(sorted(values))


_SECOND = _Field("second", 0, 59)
_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31, allows_any=True)
_MONTH = _Field("month", 1, 12, _MONTHS)
_YEAR = _Field("year", 1970, 2100)
_DAY_OF_WEEK = _Field(
    "day-of-week (1 = Sunday)",
    1,
    7,
    {name: n + 1 for name, n in _WEEKDAYS.items()},
    allows_any=True,
)
_UNIX_DAY_OF_WEEK = _Field("day-of-week", 0, 7, _WEEKDAYS, allows_any=True)

_ALL_YEARS = tuple(range(_YEAR.low, _YEAR.high + 1))

# In the original dialect, as the cron crate defines them (weekly: day-of-week 1 = Sunday).
_SHORTHANDS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 1",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}


class CronError(ValueError):
    """An invalid cron expression; the message names the expression and the problem."""

    def __init__(self, expression: object, reason: str) -> None:
        super().__init__(f"invalid cron expression {expression!r}: {reason}")
        self.expression = expression
        self.reason = reason


def _croniter_field(values: tuple[int, ...] | None) -> str:
    return "*" if values is None else ",".join(map(str, values))


def _translate(fields: list[str]) -> tuple[str, bool, tuple[int, ...] | None]:
    """Return croniter's seconds-first expression, its day_or flag and the allowed years."""
    if len(fields) == 5:
        minute, hour, dom, month, dow = fields
        weekdays = _UNIX_DAY_OF_WEEK.expand(dow)
        if weekdays is not None:
            weekdays = tuple(sorted({day % 7 for day in weekdays}))  # 7 is Sunday too
        seconds: tuple[int, ...] | None = (0,)
        day_or = True
        years: tuple[int, ...] | None = None
    elif len(fields) in (6, 7):
        second, minute, hour, dom, month, dow, *year = fields
        weekdays = _DAY_OF_WEEK.expand(dow)
        if weekdays is not None:
            weekdays = tuple(day - 1 for day in weekdays)  # croniter numbers Sunday 0
        seconds = _SECOND.expand(second)
        day_or = False
        # The cron crate bounds every schedule to 1970-2100, with or without a year field.
        years = (_YEAR.expand(year[0]) if year else None) or _ALL_YEARS
    else:
        raise ValueError(
            "expected 5 fields (min hour day month weekday), 6 or 7 fields "
            f"(sec min hour day month weekday [year]) or a shorthand; got {len(fields)}"
        )
    parts = (
        seconds,
        _MINUTE.expand(minute),
        _HOUR.expand(hour),
        _DAY_OF_MONTH.expand(dom),
        _MONTH.expand(month),
        weekdays,
    )
    return " ".join(map(_croniter_field, parts)), day_or, years


class CronSchedule:
    """A validated cron expression that computes its next firing time in UTC."""

    def __init__(self, expr: str) -> None:
        if not isinstance(expr, str):
            raise CronError(expr, "expected a string")
        self.expression = expr
        text = expr.strip()
        if text.startswith("@"):
            if text.lower() not in _SHORTHANDS:
                raise CronError(expr, f"unknown shorthand; use one of {', '.join(_SHORTHANDS)}")
            text = _SHORTHANDS[text.lower()]
        try:
            self._croniter_expr, self._day_or, self._years = _translate(text.split())
        except ValueError as exc:
            raise CronError(expr, str(exc)) from None

    def __repr__(self) -> str:
        return f"CronSchedule({self.expression!r})"

    def _next_from(self, start: datetime) -> datetime | None:
        """croniter's next time strictly after naive-UTC ``start``, ignoring years."""
        try:
            # A fresh croniter per call: instances are stateful, schedules may be shared.
            iterator = croniter(
                self._croniter_expr,
                start,
                ret_type=datetime,
                day_or=self._day_or,
                second_at_beginning=True,
            )
            return iterator.get_next()
        except (CroniterBadDateError, OverflowError):
            # No match within croniter's 50-year search (30 February), or past year 9999.
            return None

    def next_after(self, t: datetime) -> datetime | None:
        """The first firing strictly after aware ``t``, as aware UTC.

        None means the schedule has no later time (e.g. its years are over), which
        ends the trigger.
        """
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError("next_after needs an aware datetime")
        cursor = t.astimezone(UTC).replace(tzinfo=None)
        years = self._years
        while True:
            if years is not None:
                index = bisect_left(years, cursor.year)
                if index == len(years):
                    return None
                if years[index] != cursor.year:
                    # Jump to the first second of the next allowed year.
                    cursor = datetime(years[index], 1, 1) - timedelta(seconds=1)
            found = self._next_from(cursor)
            if found is None:
                return None
            if years is None or found.year in years:
                return found.replace(tzinfo=UTC)
            cursor = found
