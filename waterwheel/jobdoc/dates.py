"""The dates a job document may hold: a range every component can compute in.

Python's datetime ends at the year 9999 and begins at the year 1, and the
scheduler computes beyond a document's dates: one period past ``end`` before
it compares, the trigger offset to find when a time fires (either sign), and
each edge offset downstream, every one up to ``MAX_SECONDS`` (68 years). A
start in the year 1 raised OverflowError in the scheduler on every pass.
Dates end a millennium before the ceiling, room for a step, an offset and a
long chain of edge offsets; they begin at 1970, the Unix epoch tasks receive
their trigger time against, as no earlier job can be meant (a start that far
back is a typo that only swells catch-up) and 68 years before it is still
far from the year 1.
"""

from __future__ import annotations

from datetime import UTC, datetime

from waterwheel.timeutil import format_datetime, parse_datetime

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(9000, 1, 1, tzinfo=UTC)  # exclusive


def document_datetime(text: str) -> datetime:
    """Parse an RFC 3339 timestamp of a document; ValueError when it is not one,
    or is outside ``EARLIEST`` (inclusive) to ``END`` (exclusive)."""
    try:
        value = parse_datetime(text)
    except OverflowError:  # an offset carried it past datetime's range
        value = None
    if value is None or not EARLIEST <= value < END:
        raise ValueError(
            f"'{text}' is out of range: dates must be from {format_datetime(EARLIEST)}"
            f" and before {format_datetime(END)}"
        )
    return value
