"""Loaded by every Python process that `scripts/test-dates.sh` starts (it puts this folder on
PYTHONPATH), and by nothing else.

The suite runs under libfaketime with the monotonic clock left real (`--exclude-monotonic`):
with a faked monotonic clock, lock and Event timeouts (threading.Barrier in the review tests)
wait forever, because glibc's sem_clockwait is not intercepted. But Debian's libfaketime
0.9.10 then rewrites the absolute monotonic deadline of clock_nanosleep as if it were wall
time, and `time.sleep` fails with EINVAL. So sleep here on select(), whose timeout is relative.
"""

from __future__ import annotations

import select
import time

_monotonic = time.monotonic


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = _monotonic() + seconds
    while (remaining := deadline - _monotonic()) > 0:
        select.select([], [], [], remaining)


time.sleep = _sleep
