"""Tests for lib.ratelimit: a fixed window per key, counted in the shared cache."""

from __future__ import annotations

import time
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from lib.ratelimit import client_ip, rate_allow


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_it_allows_up_to_the_limit_then_refuses() -> None:
    answers = [rate_allow(key="t:a", limit=3, window_seconds=60) for _ in range(5)]
    assert answers == [True, True, True, False, False]


def test_it_counts_each_key_apart() -> None:
    for _ in range(3):
        rate_allow(key="t:a", limit=3, window_seconds=60)
    assert rate_allow(key="t:a", limit=3, window_seconds=60) is False
    assert rate_allow(key="t:b", limit=3, window_seconds=60) is True


def test_a_new_window_starts_after_the_old_one_ends() -> None:
    start = time.time()
    with mock.patch("time.time", return_value=start):
        assert [rate_allow(key="t:a", limit=1, window_seconds=60) for _ in range(2)] == [True, False]
    with mock.patch("time.time", return_value=start + 61):
        assert rate_allow(key="t:a", limit=1, window_seconds=60) is True
        assert rate_allow(key="t:a", limit=1, window_seconds=60) is False


def test_it_counts_one_when_the_key_expired_between_add_and_incr() -> None:
    # add finds the key still there, then it expires before incr reaches it.
    with mock.patch.object(cache, "add", return_value=False):
        assert rate_allow(key="t:a", limit=1, window_seconds=60) is True
    assert rate_allow(key="t:a", limit=1, window_seconds=60) is False


def test_the_client_address_is_remote_addr_not_a_header_the_client_types() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.7"
