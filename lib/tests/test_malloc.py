"""lib/malloc.py: the workers' allocator gives freed buffers back (issue 14)."""

from __future__ import annotations

import sys

import pytest

from lib.malloc import malloc_tune


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_thresholds_are_accepted_on_this_platform() -> None:
    assert malloc_tune() is True
