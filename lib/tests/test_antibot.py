"""Tests for lib.antibot: a honeypot and a signed time stamp, nothing an elderly user notices."""

from __future__ import annotations

import time
from unittest import mock

from django.test import override_settings

from lib.antibot import (
    HONEYPOT_FIELD,
    REFUSE_HONEYPOT,
    REFUSE_STALE,
    REFUSE_TOO_FAST,
    STAMP_FIELD,
    antibot_refusal,
    form_stamp,
)


def stamp_from(seconds_ago: float) -> str:
    with mock.patch("lib.antibot.time.time", return_value=time.time() - seconds_ago):
        return form_stamp()


@override_settings(FORM_MIN_SECONDS=3, FORM_MAX_AGE_SECONDS=3600)
def test_it_lets_a_person_through() -> None:
    assert antibot_refusal({STAMP_FIELD: stamp_from(10), HONEYPOT_FIELD: ""}) == ""


@override_settings(FORM_MIN_SECONDS=3)
def test_it_refuses_a_form_sent_faster_than_a_person_types() -> None:
    assert antibot_refusal({STAMP_FIELD: stamp_from(1)}) == REFUSE_TOO_FAST


def test_it_refuses_a_filled_honeypot() -> None:
    assert antibot_refusal({STAMP_FIELD: stamp_from(10), HONEYPOT_FIELD: "http://spam"}) == REFUSE_HONEYPOT


@override_settings(FORM_MAX_AGE_SECONDS=3600)
def test_it_refuses_a_stale_a_missing_or_a_forged_stamp() -> None:
    assert antibot_refusal({STAMP_FIELD: stamp_from(3601)}) == REFUSE_STALE
    assert antibot_refusal({}) == REFUSE_STALE
    forged = stamp_from(10).replace(":", "x", 1)
    assert antibot_refusal({STAMP_FIELD: forged}) == REFUSE_STALE


@override_settings(FORM_MAX_AGE_SECONDS=3600)
def test_a_form_shown_again_keeps_its_stamp_until_it_is_stale() -> None:
    old = stamp_from(100)
    assert form_stamp(previous=old) == old
    stale = stamp_from(4000)
    assert form_stamp(previous=stale) != stale
    assert form_stamp(previous="garbage") != "garbage"
