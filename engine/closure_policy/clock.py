"""The present as RFC 3339 text in UTC, from one clock read: decisions' default ``as_of``, log records' times.

A second's text is made once and kept (a second holds many decisions):
``datetime.now(timezone.utc).isoformat()`` and ``strftime`` each cost more
than a tenth of a small decision.
"""
from __future__ import annotations

import time

_SECOND: tuple[int, str] = (-1, "")  # a second since the epoch, and its text up to the point


def now_text(digits: int) -> str:
    """Now, with ``digits`` digits of the second (3: milliseconds, 6: microseconds), cut, not rounded.

    Cut so that the text never names a moment still to come, and texts of one
    length sort as their moments do.
    """
    global _SECOND
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    second = _SECOND  # one read: another thread may replace it, never half of it
    if second[0] != seconds:
        second = _SECOND = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(seconds)))
    return f"{second[1]}{nanoseconds // 10 ** (9 - digits):0{digits}d}Z"
