"""Tests for lib.ratelimit: a fixed window per key, counted in the shared cache."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from lib.ratelimit import (
    LimitName,
    Scope,
    client_ip,
    limit_rate,
    limit_refusal,
    limits_check_settings,
    rate_allow,
)


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


# --- The client's address behind our own proxies ------------------------------------------


def _request(remote: str, forwarded: str | None = None) -> HttpRequest:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_an_untrusted_client_that_sends_x_forwarded_for_is_counted_by_its_own_address() -> None:
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert client_ip(_request("203.0.113.7", "10.0.0.5")) == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "192.0.2.1"])
def test_behind_our_proxies_it_takes_the_right_most_address_that_is_not_ours() -> None:
    # The client typed "1.1.1.1, 198.51.100.99"; nginx appended the address it saw.
    typed_then_seen = "1.1.1.1, 198.51.100.99, 203.0.113.7, 192.0.2.1"
    assert client_ip(_request("10.0.0.2", typed_then_seen)) == "203.0.113.7"
    assert client_ip(_request("192.0.2.1", "203.0.113.8")) == "203.0.113.8"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_proxy_request_without_a_usable_client_address_counts_as_the_proxy() -> None:
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "not-an-address")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "10.0.0.3")) == "10.0.0.2"


@override_settings(TRUSTED_PROXIES=[])
def test_with_no_trusted_proxies_x_forwarded_for_is_never_read() -> None:
    assert client_ip(_request("10.0.0.2", "203.0.113.7")) == "10.0.0.2"


def test_the_settings_refuse_a_bad_proxy_or_limit() -> None:
    from portal import settings as portal_settings

    with mock.patch.dict(os.environ, {"RATE_LIMITS": " sms_send.site=5000/3600 , login.client=9/60"}):
        assert portal_settings.env_rates("RATE_LIMITS") == {
            "sms_send.site": (5000, 3600),
            "login.client": (9, 60),
        }
    with (
        mock.patch.dict(os.environ, {"RATE_LIMITS": "sms_send.site=many"}),
        pytest.raises(ImproperlyConfigured),
    ):
        portal_settings.env_rates("RATE_LIMITS")


@override_settings(RATE_LIMITS={"sms_sned.site": (1, 60)})
def test_an_override_for_an_unknown_limit_fails_loudly() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"sms_sned\.site"):
        limits_check_settings()


# --- A cache that is down -----------------------------------------------------------------


def test_a_cache_that_is_down_lets_the_request_through_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with mock.patch.object(cache, "add", side_effect=ConnectionError("redis is down")):
        assert rate_allow(key="t:a", limit=0, window_seconds=60) is True
        assert limit_refusal(LimitName.SMS_SEND, request=_request("203.0.113.7"), subject="13800000001") == ""
    assert "not counted: the cache is unavailable" in caplog.text


# --- The named limits ---------------------------------------------------------------------


@override_settings(RATE_LIMITS={"sms_send.subject": (2, 3600)})
def test_a_named_limit_counts_per_subject() -> None:
    answers = [
        limit_refusal(LimitName.SMS_SEND, request=_request(f"203.0.113.{i}"), subject="13800000001")
        for i in range(3)
    ]
    assert answers == ["", "", "获取验证码过于频繁，请稍后再试"]
    assert limit_refusal(LimitName.SMS_SEND, request=_request("203.0.113.9"), subject="13800000002") == ""


@override_settings(RATE_LIMITS={"login.client": (2, 3600)})
def test_a_named_limit_counts_per_address_and_an_ipv6_line_as_one() -> None:
    answers = [
        limit_refusal(LimitName.LOGIN, request=_request(f"2001:db8:1:2::{i}"), subject=f"user{i}")
        for i in range(1, 4)
    ]
    assert answers == ["", "", "登录过于频繁，请稍后再试"]
    assert limit_refusal(LimitName.LOGIN, request=_request("2001:db8:1:3::1"), subject="user9") == ""


@override_settings(RATE_LIMITS={"register_query.site": (2, 60)})
def test_a_named_limit_counts_the_whole_site() -> None:
    answers = [
        limit_refusal(LimitName.REGISTER_QUERY, request=_request(f"203.0.113.{i}"), subject=f"LN-{i}")
        for i in range(3)
    ]
    assert answers == ["", "", "当前查询的人数较多，请稍后再试"]


def test_the_cache_holds_no_mobile_in_its_keys() -> None:
    limit_refusal(LimitName.SMS_SEND, request=_request("203.0.113.7"), subject="13800000001")
    keys = list(cache._cache.keys())  # type: ignore[attr-defined]  # LocMemCache's own store
    assert keys and not any("13800000001" in key for key in keys)


def test_every_limit_has_a_client_and_a_site_rate() -> None:
    for name in LimitName:
        assert limit_rate(name, Scope.CLIENT) is not None, name
        assert limit_rate(name, Scope.SITE) is not None, name
