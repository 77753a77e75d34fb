"""Cron schedules: the original's seconds-first dialect and 5-field Unix cron (spec 1.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from waterwheel.cron import CronError, CronSchedule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def upcoming(expr: str, start: str, count: int) -> list[datetime]:
    schedule = CronSchedule(expr)
    times: list[datetime] = []
    current: datetime | None = at(start)
    for _ in range(count):
        current = schedule.next_after(current)
        assert current is not None
        times.append(current)
    return times


@pytest.mark.parametrize(
    ("expr", "start", "expected"),
    [
        # The original's 6/7-field dialect, seconds first.
        ("0 0 0 1 * *", "2025-01-15T00:00:00", "2025-02-01T00:00:00"),
        ("*/10 * * * * *", "2025-01-15T10:00:05", "2025-01-15T10:00:10"),
        ("30 15 10 * * *", "2025-01-15T10:15:30", "2025-01-16T10:15:30"),
        ("0 0 0 1 JAN *", "2025-01-15T00:00:00", "2026-01-01T00:00:00"),
        ("0 0 0 * february ?", "2025-01-15T00:00:00", "2025-02-01T00:00:00"),
        ("0 0 0 ? * ?", "2025-01-15T12:00:00", "2025-01-16T00:00:00"),
        ("0 0 0 1 1 * 2027", "2025-01-15T00:00:00", "2027-01-01T00:00:00"),
        ("0 0 0 1 1 * 2100", "2025-01-15T00:00:00", "2100-01-01T00:00:00"),
        ("0 0 0 29 2 *", "2025-01-15T00:00:00", "2028-02-29T00:00:00"),
        # An equal range is that one value (croniter alone would read the whole field).
        ("0 5-5 * * * *", "2025-01-15T00:00:00", "2025-01-15T00:05:00"),
        # "a/n" runs from a to the end of the field.
        ("0 50/5 * * * *", "2025-01-15T00:56:00", "2025-01-15T01:50:00"),
        # 5-field Unix cron, at second 0.
        ("0 0 1 * *", "2025-01-15T00:00:00", "2025-02-01T00:00:00"),
        ("*/15 * * * *", "2025-01-15T10:07:30", "2025-01-15T10:15:00"),
        ("*/15 * * * *", "2025-01-15T10:15:00", "2025-01-15T10:30:00"),
        ("5-5 * * * *", "2025-01-15T00:00:00", "2025-01-15T00:05:00"),
        ("0 9 * * 0", "2025-01-15T00:00:00", "2025-01-19T09:00:00"),
        ("0 9 * * 7", "2025-01-15T00:00:00", "2025-01-19T09:00:00"),
        ("0 9 * * SUN", "2025-01-15T00:00:00", "2025-01-19T09:00:00"),
        # Shorthands, at second 0.
        ("@yearly", "2025-01-15T00:00:00", "2026-01-01T00:00:00"),
        ("@annually", "2025-01-15T00:00:00", "2026-01-01T00:00:00"),
        ("@monthly", "2025-01-15T00:00:00", "2025-02-01T00:00:00"),
        ("@weekly", "2025-01-15T00:00:00", "2025-01-19T00:00:00"),
        ("@daily", "2025-01-15T10:00:00", "2025-01-16T00:00:00"),
        ("@midnight", "2025-01-15T10:00:00", "2025-01-16T00:00:00"),
        ("@hourly", "2025-01-15T10:00:00", "2025-01-15T11:00:00"),
    ],
)
def test_next_after(expr: str, start: str, expected: str) -> None:
    result = CronSchedule(expr).next_after(at(start))
    assert result == at(expected)
    assert result.tzinfo is UTC


def test_next_is_strictly_after_a_matching_time() -> None:
    schedule = CronSchedule("* * * * * *")
    assert schedule.next_after(at("2025-01-15T10:00:00")) == at("2025-01-15T10:00:01")
    assert schedule.next_after(at("2025-01-15T10:00:00.500000")) == at("2025-01-15T10:00:01")


def test_input_in_another_zone_is_converted_to_utc() -> None:
    plus_ten = timezone(timedelta(hours=10))
    start = datetime(2025, 1, 15, 9, 0, tzinfo=plus_ten)  # 2025-01-14T23:00Z
    assert CronSchedule("0 0 0 * * *").next_after(start) == at("2025-01-15T00:00:00")


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CronSchedule("0 0 0 * * *").next_after(datetime(2025, 1, 15))


def test_original_day_of_week_counts_from_sunday_one() -> None:
    # 2 is Monday in the original's numbering (Tuesday in Unix cron).
    times = upcoming("0 0 12 * * 2", "2025-01-15T00:00:00", 3)
    assert times[0] == at("2025-01-20T12:00:00")
    assert all(t.strftime("%A") == "Monday" for t in times)
    assert CronSchedule("0 0 0 * * 1").next_after(at("2025-01-15T00:00:00")).weekday() == 6
    assert CronSchedule("0 0 0 * * 7").next_after(at("2025-01-15T00:00:00")).weekday() == 5
    # ...while Unix cron's 2 is Tuesday.
    assert CronSchedule("0 12 * * 2").next_after(at("2025-01-15T00:00:00")) == at(
        "2025-01-21T12:00:00"
    )


def test_weekday_names() -> None:
    times = upcoming("0 30 9 * * MON-FRI", "2025-01-17T10:00:00", 3)  # a Friday
    assert times == [
        at("2025-01-20T09:30:00"),
        at("2025-01-21T09:30:00"),
        at("2025-01-22T09:30:00"),
    ]
    assert upcoming("0 0 0 * * tues,THURS", "2025-01-13T00:00:00", 2) == [
        at("2025-01-14T00:00:00"),
        at("2025-01-16T00:00:00"),
    ]
    assert upcoming("0 0 0 * * Sunday", "2025-01-13T00:00:00", 1) == [at("2025-01-19T00:00:00")]
    assert upcoming("30 9 * * mon-fri", "2025-01-17T10:00:00", 1) == [at("2025-01-20T09:30:00")]


def test_day_fields_and_in_original_dialect() -> None:
    # The 13th that is also a Friday (6 in the original's numbering).
    assert upcoming("0 0 0 13 * 6", "2025-01-01T00:00:00", 2) == [
        at("2025-06-13T00:00:00"),
        at("2026-02-13T00:00:00"),
    ]


def test_day_fields_or_in_unix_dialect() -> None:
    # The 13th, and every Friday (5 in Unix numbering).
    assert upcoming("0 0 13 * 5", "2025-01-01T00:00:00", 4) == [
        at("2025-01-03T00:00:00"),
        at("2025-01-10T00:00:00"),
        at("2025-01-13T00:00:00"),
        at("2025-01-17T00:00:00"),
    ]


def test_unix_day_of_month_alone_is_not_or_ed_with_any_weekday() -> None:
    assert upcoming("0 0 13 * *", "2025-01-01T00:00:00", 2) == [
        at("2025-01-13T00:00:00"),
        at("2025-02-13T00:00:00"),
    ]


def test_lists_ranges_and_steps() -> None:
    assert upcoming("0 0,30 8-9 * * *", "2025-01-15T00:00:00", 5) == [
        at("2025-01-15T08:00:00"),
        at("2025-01-15T08:30:00"),
        at("2025-01-15T09:00:00"),
        at("2025-01-15T09:30:00"),
        at("2025-01-16T08:00:00"),
    ]
    assert upcoming("0 0 0 1 1-12/3 *", "2025-01-15T00:00:00", 2) == [
        at("2025-04-01T00:00:00"),
        at("2025-07-01T00:00:00"),
    ]


def test_year_list_skips_absent_years() -> None:
    assert upcoming("0 0 0 1 1 * 2026,2030-2031", "2025-06-01T00:00:00", 3) == [
        at("2026-01-01T00:00:00"),
        at("2030-01-01T00:00:00"),
        at("2031-01-01T00:00:00"),
    ]


@pytest.mark.parametrize(
    ("expr", "start"),
    [
        ("0 0 0 1 1 * 2020", "2025-01-15T00:00:00"),
        ("0 0 0 1 1 * 2024-2025", "2025-01-01T00:00:00"),
        # The original's years end in 2100, with or without a year field.
        ("59 59 23 31 12 *", "2100-12-31T23:59:59"),
        ("0 0 0 29 2 * 2100", "2025-01-15T00:00:00"),  # 2100 is no leap year
        ("0 0 0 30 2 *", "2025-01-15T00:00:00"),
        ("0 0 31 4 *", "2025-01-15T00:00:00"),
        ("0 0 1 * *", "9999-12-01T00:00:00"),
    ],
)
def test_no_future_time_is_none(expr: str, start: str) -> None:
    assert CronSchedule(expr).next_after(at(start)) is None


def test_last_year_then_none() -> None:
    schedule = CronSchedule("0 0 0 1 1 * 2026")
    first = schedule.next_after(at("2025-06-01T00:00:00"))
    assert first == at("2026-01-01T00:00:00")
    assert schedule.next_after(first) is None


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("0 0 1 * * * * *", "got 8"),
        ("* * * *", "got 4"),
        ("", "got 0"),
        ("@every_minute", "unknown shorthand"),
        ("60 * * * * *", "second value 60 is outside 0-59"),
        ("0 60 * * * *", "minute value 60 is outside 0-59"),
        ("0 0 24 * * *", "hour value 24 is outside 0-23"),
        ("0 0 0 0 * *", "day-of-month value 0 is outside 1-31"),
        ("0 0 0 32 * *", "day-of-month value 32 is outside 1-31"),
        ("0 0 0 * 13 *", "month value 13 is outside 1-12"),
        ("0 0 0 * * 0", "day-of-week (1 = Sunday) value 0 is outside 1-7"),
        ("0 0 0 * * 8", "day-of-week (1 = Sunday) value 8 is outside 1-7"),
        ("0 0 * * 8", "day-of-week value 8 is outside 0-7"),
        ("0 0 0 1 1 * 1969", "year value 1969 is outside 1970-2100"),
        ("0 0 0 1 1 * 2101", "year value 2101 is outside 1970-2100"),
        ("? * * * * *", "invalid second value '?'"),
        ("0 0 0 * ? *", "invalid month value '?'"),
        ("0 0 0 5-1 * *", "start after end"),
        ("0 0 0 */0 * *", "invalid step"),
        ("0 0 0 */x * *", "invalid step"),
        ("0 0 0 1,,2 * *", "invalid day-of-month value ''"),
        ("0 0 0 * * funday", "invalid day-of-week (1 = Sunday) value 'funday'"),
        ("0 0 0 * JANUARI *", "invalid month value 'JANUARI'"),
        ("0 0 0 1.5 * *", "invalid day-of-month value '1.5'"),
        ("0 0 0 -1 * *", "invalid day-of-month value ''"),
        # L, W, # and Jenkins' H are not part of either dialect.
        ("0 0 0 L * *", "invalid day-of-month value 'L'"),
        ("0 0 0 15W * *", "invalid day-of-month value '15W'"),
        ("0 0 0 * * 2#1", "invalid day-of-week (1 = Sunday) value '2#1'"),
        ("H * * * *", "invalid minute value 'H'"),
    ],
)
def test_invalid_expressions(expr: str, reason: str) -> None:
    with pytest.raises(CronError) as info:
        CronSchedule(expr)
    assert reason in str(info.value)
    assert repr(expr) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_non_string_is_a_cron_error() -> None:
    with pytest.raises(CronError, match="expected a string"):
        CronSchedule(None)  # type: ignore[arg-type]
