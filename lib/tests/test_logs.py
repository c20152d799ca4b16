from __future__ import annotations

import json
import logging
import runpy
import sys
from pathlib import Path

from lib.logs import (
    DEMO_SMS,
    JsonFormatter,
    PersonalDataFilter,
    RequestIdFilter,
    TextFormatter,
    request_id_make,
    request_id_reset,
    request_id_set,
)

# 2026-01-01 00:00:00 UTC: New Year's morning in Shanghai, whatever the machine's zone.
NEW_YEAR_UTC = 1767225600.0


def record(message: str = "queued %d reminder(s)", *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("cases.jobs", logging.WARNING, "jobs.py", 1, message, args or (3,), None)
    made.created = NEW_YEAR_UTC
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_it_writes_one_json_object_with_the_time_in_shanghai():
    line = JsonFormatter().format(record())

    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-01-01T08:00:00.000+08:00",
        "level": "WARNING",
        "logger": "cases.jobs",
        "message": "queued 3 reminder(s)",
        "request_id": None,
    }


def test_it_adds_the_request_id_and_plain_extras_only():
    made = record(status=200, route="catalog/search/", request=object())
    token = request_id_set("lb-0001")
    try:
        RequestIdFilter().filter(made)
    finally:
        request_id_reset(token)

    entry = json.loads(JsonFormatter().format(made))

    assert entry["request_id"] == "lb-0001"
    assert entry["status"] == 200
    assert entry["route"] == "catalog/search/"
    assert "request" not in entry


def test_it_keeps_a_traceback_in_the_same_line():
    try:
        raise ValueError("磁盘已满")
    except ValueError:
        made = record(exc_info=sys.exc_info())

    line = JsonFormatter().format(made)

    assert len(line.splitlines()) == 1
    assert "ValueError: 磁盘已满" in json.loads(line)["exception"]


def test_the_text_format_uses_the_same_zone():
    made = record()
    RequestIdFilter().filter(made)

    assert (
        TextFormatter().format(made)
        == "2026-01-01T08:00:00.000+08:00 WARNING [-] cases.jobs queued 3 reminder(s)"
    )


def test_a_request_id_is_short_and_plain():
    assert request_id_make("lb-7f3a-0001") == "lb-7f3a-0001"
    assert request_id_make("A" * 64) == "A" * 64
    for bad in (None, "", "A" * 65, "a b", "a\nb", "a_b", "ид"):
        made = request_id_make(bad)
        assert made != bad
        assert len(made) == 32


def test_personal_data_never_reaches_a_log_line():
    filtered = record(
        "login failed for %s (mobile %s), SMS text: 您的验证码为%s，用于登录",
        "21010219900307001X",
        "13800000001",
        "123456",
        subject="210102199003070018",
    )
    assert PersonalDataFilter().filter(filtered)
    entry = json.loads(JsonFormatter().format(filtered))
    assert (
        entry["message"]
        == "login failed for 2101**********001X (mobile 138****0001), SMS text: 您的验证码为******，用于登录"
    )
    assert entry["subject"] == "2101**********0018"


def test_what_only_looks_like_a_number_is_left_alone():
    # Request ids, hashes and timestamps hold long digit runs inside longer words.
    text = "request 5d20a2b355444b23ad761913800000001 took 13800000001234 ns"
    filtered = record(text)
    filtered.args = None
    PersonalDataFilter().filter(filtered)
    assert filtered.getMessage() == text


def test_the_console_gateways_demo_line_keeps_its_code_but_not_the_mobile():
    filtered = record(
        "DEMO console SMS gateway, nothing is sent: SMS to %s: %s",
        "138****0001",
        "您的验证码为123456，用于登录",
        **{DEMO_SMS: True},
    )
    PersonalDataFilter().filter(filtered)
    assert filtered.getMessage().endswith("SMS to 138****0001: 您的验证码为123456，用于登录")


def test_the_portals_log_handlers_apply_the_filter(settings):
    # Django's handler and gunicorn's alike: a line from any logger passes through it.
    assert "personal_data" in settings.LOGGING["handlers"]["console"]["filters"]
    gunicorn = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    assert "personal_data" in gunicorn["logconfig_dict"]["handlers"]["console"]["filters"]


def test_a_request_line_names_the_route_not_a_verification_token(client, db):
    # Django's "Not Found: <path>" for a verification page of no certificate: the token
    # (the path's secret part) must not reach the log, the route does.
    token = "0b6f5e0c-3d7a-4b8e-9f1a-2c3d4e5f6a7b"
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    keep = Keep()
    keep.addFilter(PersonalDataFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(keep)
    try:
        assert client.get(f"/certificates/verify/{token}/").status_code == 404
    finally:
        logger.removeHandler(keep)
    [line] = [r for r in captured if r.levelno == logging.WARNING]
    message = line.getMessage()
    assert token not in message
    assert message == "Not Found: /certificates/verify/<uuid:token>/"


def test_a_path_no_route_matched_is_kept_for_debugging(client, db):
    captured: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record.getMessage())

    keep = Keep()
    keep.addFilter(PersonalDataFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(keep)
    try:
        assert client.get("/no/such/page/").status_code == 404
    finally:
        logger.removeHandler(keep)
    assert captured == ["Not Found: /no/such/page/"]
