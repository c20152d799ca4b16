"""glibc's allocator, told to give freed memory back (issue 14, docs/operations.md 内存).

A PDF render (WeasyPrint), a certificate picture (Pillow) or a font helper allocates tens of
megabytes in large blocks and frees them when done. By default glibc raises its threshold for
serving large blocks from their own mappings each time such a block is freed, so the next ones
come from the heap, and a heap whose top is still in use keeps the freed middle: a web worker
that printed a few forms stayed about 60 MB larger for the rest of its life. A fixed threshold
keeps large blocks in mappings of their own, returned to the system when freed, and a low trim
threshold returns the heap's free top.

`MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` in the environment would do the same
but must be set before a process starts; this is called by the processes themselves (the
WSGI application as a gunicorn worker loads it, and run_worker), so no unit or script can
forget it."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

# mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks from this size up get a mapping of their own. glibc's starting value; set explicitly,
# it no longer grows.
MMAP_THRESHOLD_BYTES = 128 * 1024
TRIM_THRESHOLD_BYTES = 128 * 1024


def malloc_tune() -> bool:
    """Fix the thresholds; False where the C library is not glibc (nothing to tune)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done: bool = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    done = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and done
    if not done:
        logger.warning("mallopt refused the memory thresholds")
    return done
