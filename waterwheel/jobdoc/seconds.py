"""Duration fields of a job document, as bounded whole seconds."""

from __future__ import annotations

from waterwheel.durations import duration_seconds

# The original stored durations as 32-bit seconds (68 years).  Bounding them here
# also keeps trigger-time arithmetic far from datetime's year 9999 overflow.
MAX_SECONDS = 2**31 - 1


def to_seconds(text: str, *, signed: bool = False, minimum: int | None = None) -> int:
    """Whole seconds of a duration string; raises ValueError with a readable reason."""
    seconds = duration_seconds(text, signed=signed)
    if abs(seconds) > MAX_SECONDS:
        raise ValueError(f"duration is too large (at most {MAX_SECONDS} seconds)")
    if minimum is not None and seconds < minimum:
        raise ValueError(f"duration must be at least {minimum} second(s)")
    return seconds
