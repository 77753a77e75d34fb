"""Durations in the Rust ``humantime`` grammar the original Waterwheel accepts.

Job documents written for the original must keep parsing, and its error texts surface
in 400 responses, so the parser below follows humantime 2.1 step by step: summed
``<integer><unit>`` groups, case-sensitive units, fixed-length months (30.44 days) and
years (365.25 days), byte offsets in error messages, and even its leniency of skipping
whitespace inside a number (``"1 0s"`` is ten seconds).
"""

from __future__ import annotations

from datetime import timedelta

_U64_MAX = 2**64 - 1
_NANOS = 1_000_000_000
# timedelta cannot go further; humantime's own ceiling (u64 seconds) is far beyond it.
_MAX_SECONDS = timedelta.max.days * 86_400 + timedelta.max.seconds

_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Rust's char::is_whitespace (Unicode White_Space); str.isspace() also takes U+001C-1F.
_WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

# unit -> (seconds, nanoseconds) per unit; exactly one of the two is non-zero.
_UNITS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("nanos", "nsec", "ns"), (0, 1)),
    **dict.fromkeys(("usec", "us"), (0, 1_000)),
    **dict.fromkeys(("millis", "msec", "ms"), (0, 1_000_000)),
    **dict.fromkeys(("seconds", "second", "secs", "sec", "s"), (1, 0)),
    **dict.fromkeys(("minutes", "minute", "min", "mins", "m"), (60, 0)),
    **dict.fromkeys(("hours", "hour", "hr", "hrs", "h"), (3_600, 0)),
    **dict.fromkeys(("days", "day", "d"), (86_400, 0)),
    **dict.fromkeys(("weeks", "week", "w"), (604_800, 0)),
    **dict.fromkeys(("months", "month", "M"), (2_630_016, 0)),
    **dict.fromkeys(("years", "year", "y"), (31_557_600, 0)),
}

_FORMAT_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


class DurationError(ValueError):
    """An invalid duration; ``str()`` is humantime's message, shown to API clients."""


def _checked(value: int) -> int:
    """Mirror humantime's u64 arithmetic, which reports overflow instead of wrapping."""
    if value > _U64_MAX:
        raise DurationError("number is too large")
    return value


class _Parser:
    """A port of humantime's hand-written scanner (its offsets are UTF-8 byte offsets)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.seconds = 0
        self.nanos = 0

    def _offset(self, index: int) -> int:
        return len(self.text[:index].encode())

    def _invalid_character(self, index: int) -> DurationError:
        return DurationError(f"invalid character at {self._offset(index)}")

    def _first_digit(self) -> int | None:
        """Skip whitespace to the next digit; None at the end of the text."""
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char in _DIGITS:
                return int(char)
            if char not in _WHITESPACE:
                # humantime reports where the scan started, not the offending character.
                raise DurationError(f"expected number at {self._offset(start)}")
        return None

    def _add(self, number: int, unit: str) -> None:
        if unit not in _UNITS:
            if not unit:
                raise DurationError(f"time unit needed, for example {number}sec or {number}ms")
            raise DurationError(
                f'unknown time unit "{unit}", supported units: ns, us, ms, sec, min, hours, '
                "days, weeks, months, years (and few variations)"
            )
        unit_seconds, unit_nanos = _UNITS[unit]
        seconds = _checked(number * unit_seconds)
        nanos = _checked(self.nanos + _checked(number * unit_nanos))
        if nanos > _NANOS:
            seconds = _checked(seconds + nanos // _NANOS)
            nanos %= _NANOS
        self.seconds = _checked(self.seconds + seconds)
        self.nanos = nanos

    def parse(self) -> tuple[int, int]:
        """Return (whole seconds, nanoseconds); nanoseconds may equal one full second."""
        text, size = self.text, len(self.text)
        number = self._first_digit()
        if number is None:
            raise DurationError("value was empty")
        while True:
            unit_start = size
            while self.pos < size:
                char = text[self.pos]
                if char in _DIGITS:
                    number = _checked(number * 10 + int(char))
                elif char in _LETTERS:
                    unit_start = self.pos
                    self.pos += 1
                    break
                elif char not in _WHITESPACE:
                    raise self._invalid_character(self.pos)
                self.pos += 1
            unit_end = size
            next_number = None
            while self.pos < size:
                char = text[self.pos]
                if char in _DIGITS or char in _WHITESPACE:
                    unit_end = self.pos
                    self.pos += 1
                    if char in _DIGITS:
                        next_number = int(char)
                    break
                if char not in _LETTERS:
                    raise self._invalid_character(self.pos)
                self.pos += 1
            self._add(number, text[unit_start:unit_end])
            if next_number is None:
                next_number = self._first_digit()
                if next_number is None:
                    return self.seconds, self.nanos
            number = next_number


def _parse(text: str, *, signed: bool) -> tuple[int, int, int]:
    """Return (sign, whole seconds, sub-second nanoseconds)."""
    if not isinstance(text, str):
        raise DurationError(f"expected a duration string, got {type(text).__name__}")
    sign = 1
    if signed and text.startswith("-"):
        # The original strips the minus and hands the rest to humantime, so error
        # offsets count from after it and "- 1m" is fine while " -1m" is not.
        sign, text = -1, text[1:]
    seconds, nanos = _Parser(text).parse()
    seconds += nanos // _NANOS
    if seconds > _MAX_SECONDS:
        raise DurationError("number is too large")
    return sign, seconds, nanos % _NANOS


def parse_duration(text: str) -> timedelta:
    """Parse an unsigned duration such as ``"1h 30m"`` (nanoseconds below 1 us are dropped)."""
    _, seconds, nanos = _parse(text, signed=False)
    return timedelta(seconds=seconds, microseconds=nanos // 1_000)


def parse_signed_duration(text: str) -> timedelta:
    """Parse a duration that may start with ``-`` (trigger offsets)."""
    sign, seconds, nanos = _parse(text, signed=True)
    return sign * timedelta(seconds=seconds, microseconds=nanos // 1_000)


def duration_seconds(text: str, *, signed: bool = False) -> int:
    """Whole seconds of a duration, truncated toward zero, as the original stores them."""
    sign, seconds, _ = _parse(text, signed=signed)
    return sign * seconds


def format_duration(seconds: int) -> str:
    """Render whole seconds compactly (``5400`` -> ``"1h 30m"``); the parsers read it back."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    parts = []
    for suffix, size in _FORMAT_UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{suffix}")
    return " ".join(parts) or "0s"
