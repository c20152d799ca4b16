"""lib/memory.py: a worker gives back what a large job used (issue 14): freed buffers to the
system, and the font files WeasyPrint read whole out of its resident memory."""

from __future__ import annotations

import mmap
import sys
from pathlib import Path

import pytest

from certificates.ofd.fonts import SONG
from lib.memory import font_pages_release, malloc_tune

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc")


def resident_kb(path: Path) -> int:
    """Resident kB of this process's mappings of `path` (/proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and ":" not in fields[0]:
            inside = fields[-1] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


@linux_only
def test_the_thresholds_are_accepted_on_this_platform() -> None:
    assert malloc_tune() is True


@linux_only
def test_a_font_read_whole_leaves_the_resident_memory_and_reads_the_same_after() -> None:
    with SONG.path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        before = bytes(mapped[:4096]) + bytes(mapped[-4096:])
        sum(mapped[i] for i in range(0, len(mapped), mmap.PAGESIZE))  # every page, as WeasyPrint does
        assert resident_kb(SONG.path) > 10_000

        assert font_pages_release() >= len(mapped)

        assert resident_kb(SONG.path) < 1_000
        assert bytes(mapped[:4096]) + bytes(mapped[-4096:]) == before
