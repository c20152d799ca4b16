from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from lib.metrics import certificate_copy_timer


def copies_timed() -> float:
    return REGISTRY.get_sample_value("portal_certificate_copy_seconds_count") or 0.0


def test_it_times_a_copy_that_was_made():
    before = copies_timed()

    with certificate_copy_timer():
        pass

    assert copies_timed() - before == 1


def test_a_copy_that_failed_is_not_timed():
    before = copies_timed()

    with pytest.raises(RuntimeError), certificate_copy_timer():
        raise RuntimeError("seal failed")

    assert copies_timed() == before
