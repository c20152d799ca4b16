"""A worker's memory, given back when a large job is done (issue 14, docs/operations.md 内存).

`malloc_tune`: glibc's allocator, told to give freed memory back.

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
forget it.

`font_pages_release`: WeasyPrint reads every font it embeds whole (to subset it), so after
one PDF each Noto CJK collection it used, 20–27 MB, is resident in the worker's mapping of
it, and stays counted in its RSS for as long as Pango keeps the font open, which is the
worker's life. The pages are the file's own, unchanged: telling the kernel this process no
longer needs them drops them from its RSS (they stay in the page cache, shared with every
other process), and the next PDF reads them back from there."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

# mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks from this size up get a mapping of their own. glibc's starting value; set explicitly,
# it no longer grows.
MMAP_THRESHOLD_BYTES = 128 * 1024
TRIM_THRESHOLD_BYTES = 128 * 1024
MADV_DONTNEED = 4
FONT_SUFFIXES = (".ttc", ".otf", ".ttf")


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


def font_pages_release() -> int:
    """Drop the pages of read-only font file mappings from this process's RSS; returns how
    many bytes of mappings were released (0 where /proc or madvise is not there)."""
    maps = Path("/proc/self/maps")
    name = ctypes.util.find_library("c")
    if name is None or not maps.exists():
        return 0
    try:
        madvise = ctypes.CDLL(name).madvise
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    released = 0
    for line in maps.read_text().splitlines():
        fields = line.split(maxsplit=5)
        # Only mappings that cannot have been written to: their pages come back from the file.
        if len(fields) < 6 or "w" in fields[1] or not fields[5].endswith(FONT_SUFFIXES):
            continue
        start, end = (int(address, 16) for address in fields[0].split("-"))
        if madvise(start, end - start, MADV_DONTNEED) == 0:
            released += end - start
    return released
