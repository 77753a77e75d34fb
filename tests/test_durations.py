"""The humantime duration grammar of the original (spec 1.4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waterwheel.durations import (
    DurationError,
    duration_seconds,
    format_duration,
    parse_duration,
    parse_signed_duration,
)

UNKNOWN_UNIT = (
    'unknown time unit "{}", supported units: ns, us, ms, sec, min, hours, days, weeks, '
    "months, years (and few variations)"
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1 hour 30 minutes", 5400),
        ("2h 37min", 9420),
        ("20 min 17 nsec ", 1200),
        ("  5s", 5),
        ("1s2m3h", 3 * 3600 + 2 * 60 + 1),
        ("7hrs", 25200),
        ("3 secs", 3),
        ("1second", 1),
        ("12mins", 720),
        ("2days", 172_800),
        ("52w", 31_449_600),
        ("1month", 2_630_016),
        ("2M", 5_260_032),
        ("12M", 31_560_192),
        ("1y", 31_557_600),
        ("7years", 7 * 31_557_600),
        ("0s", 0),
        # humantime skips whitespace inside a number.
        ("1 0s", 10),
    ],
)
def test_parse_duration_values(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert duration_seconds(text) == seconds


def test_sub_second_units() -> None:
    assert parse_duration("1500ms") == timedelta(milliseconds=1500)
    assert parse_duration("250millis 250msec") == timedelta(milliseconds=500)
    assert parse_duration("3usec 4us") == timedelta(microseconds=7)
    assert parse_duration("999ns") == timedelta(0)
    assert parse_duration("1000000000ns") == timedelta(seconds=1)
    assert duration_seconds("1999ms") == 1


def test_units_are_case_sensitive() -> None:
    assert parse_duration("1m") == timedelta(minutes=1)
    assert parse_duration("1M") == timedelta(seconds=2_630_016)
    with pytest.raises(DurationError, match="unknown time unit"):
        parse_duration("1H")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1", "time unit needed, for example 1sec or 1ms"),
        ("15", "time unit needed, for example 15sec or 15ms"),
        ("1h 5", "time unit needed, for example 5sec or 5ms"),
        ("1x", UNKNOWN_UNIT.format("x")),
        ("1 hour 30 minutesx", UNKNOWN_UNIT.format("minutesx")),
        ("1µs", "invalid character at 1"),
        ("", "value was empty"),
        ("   ", "value was empty"),
        ("x", "expected number at 0"),
        (" x", "expected number at 0"),
        ("1s x", "expected number at 3"),
        ("2 hours min", "expected number at 8"),
        ("1.5h", "invalid character at 1"),
        ("1s,2s", "invalid character at 2"),
        ("-1m", "expected number at 0"),
        ("+1m", "expected number at 0"),
        # Offsets are UTF-8 byte offsets, as in Rust: U+3000 is three bytes.
        ("1h\u3000x", "expected number at 5"),
        ("18446744073709551616s", "number is too large"),
        ("100000000000000ms", "number is too large"),
        ("1000000000000000M", "number is too large"),
        # Beyond what a timedelta can hold.
        ("10000000y", "number is too large"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_non_string_is_rejected() -> None:
    with pytest.raises(DurationError, match="expected a duration string, got int"):
        parse_duration(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("-1m", -60), ("-10m", -600), ("-1h", -3600), ("- 1m", -60), ("-  1h 30m", -5400)],
)
def test_signed_negative(text: str, seconds: int) -> None:
    assert parse_signed_duration(text) == timedelta(seconds=seconds)
    assert duration_seconds(text, signed=True) == seconds


def test_signed_accepts_unsigned() -> None:
    assert parse_signed_duration("1h") == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (" -1m", "expected number at 0"),
        ("-", "value was empty"),
        ("--1m", "expected number at 0"),
        ("-1", "time unit needed, for example 1sec or 1ms"),
        ("-1m!", "invalid character at 2"),  # counted after the minus, as the original
    ],
)
def test_signed_errors(text: str, message: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_signed_duration(text)
    assert str(info.value) == message


def test_unsigned_duration_seconds_rejects_minus() -> None:
    with pytest.raises(DurationError, match="expected number at 0"):
        duration_seconds("-1m")


def test_duration_seconds_truncates_toward_zero() -> None:
    assert duration_seconds("1500ms", signed=True) == 1
    assert duration_seconds("-1500ms", signed=True) == -1
    assert duration_seconds("-999ms", signed=True) == 0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (1, "1s"),
        (60, "1m"),
        (5400, "1h 30m"),
        (86_400, "1d"),
        (90_061, "1d 1h 1m 1s"),
        (-5400, "-1h 30m"),
    ],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_format_round_trips(seconds: int) -> None:
    text = format_duration(seconds)
    assert parse_signed_duration(text) == timedelta(seconds=seconds)
    assert duration_seconds(text, signed=True) == seconds
    if seconds >= 0:
        assert parse_duration(text) == timedelta(seconds=seconds)
