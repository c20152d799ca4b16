"""Log lines: one JSON object a line, every time in one zone, every line with its request id.

The request id is the thread's (or task's) `contextvars` value: RequestIdMiddleware sets it
for a request, the worker sets it for a task enqueued during one (lib/taskqueue.py), and
RequestIdFilter copies it onto each record, so `grep <id>` finds a request's lines on the web
server and in the worker alike.

Only the standard library here: gunicorn.conf.py loads these classes before Django starts."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar, Token
from datetime import datetime
from zoneinfo import ZoneInfo

# Times in Asia/Shanghai with their offset (2026-03-01T09:30:00.123+08:00): the zone the
# portal's staff and pages speak, and unambiguous when lines of several hosts are merged.
LOG_TIME_ZONE = ZoneInfo("Asia/Shanghai")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is short and plain, so that nobody writes
# arbitrary text (or a second log line) into our logs through a header.
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9-]{1,64}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_make(incoming: str | None = None) -> str:
    """The incoming id when it is sane (a load balancer's, for one id across hosts), else a
    new one."""
    if incoming and _REQUEST_ID_SHAPE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id_get() -> str | None:
    return _request_id.get()


def request_id_set(value: str | None) -> Token[str | None]:
    return _request_id.set(value)


def request_id_reset(token: Token[str | None]) -> None:
    _request_id.reset(token)


# A full 居民身份证号码 (17 digits and a check character) or a mainland mobile, standing alone:
# not inside a longer run of letters and digits (a request id, a hash, a timestamp).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])", re.ASCII)
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])", re.ASCII)
# A verification code in an SMS text that reached a log line.
_SMS_CODE = re.compile(r"(验证码[^0-9]{0,4})[0-9]{4,8}")
# Set on a record (`extra={DEMO_SMS: True}`) by the console SMS gateway alone: its line shows
# the code on purpose, and says that it is a demo (notifications/gateways.py).
DEMO_SMS = "demo_sms"


def _mask(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def personal_data_mask(text: str, *, keep_codes: bool = False) -> str:
    """`text` with every full ID number and mobile masked as lib/masking.py shows them (and
    every verification code hidden, unless `keep_codes`)."""
    text = _ID_NUMBER.sub(lambda m: _mask(m.group(0), 4, 4), text)
    text = _MOBILE.sub(lambda m: _mask(m.group(0), 3, 4), text)
    if not keep_codes:
        text = _SMS_CODE.sub(lambda m: m.group(1) + "******", text)
    return text


class PersonalDataFilter(logging.Filter):
    """Logs never carry a full ID number, mobile or SMS code, whoever wrote the line (our code,
    Django, a library): the formatted message and the plain `extra` values are masked. The
    console gateway's demo line keeps its code (and says it is a demo); a traceback's text is
    not rewritten."""

    def filter(self, record: logging.LogRecord) -> bool:
        keep_codes = bool(getattr(record, DEMO_SMS, False))
        _request_path_as_route(record)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        masked = personal_data_mask(message, keep_codes=keep_codes)
        if masked != message:
            record.msg, record.args = masked, None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, personal_data_mask(value, keep_codes=keep_codes))
        return True


def _request_path_as_route(record: logging.LogRecord) -> None:
    """Django's own request lines ("Not Found: /certificates/verify/<token>/") name the path,
    and some paths hold a secret: the certificate's verification token, whoever can read the
    log could open the verification page. A path one of our routes matched is logged as that
    route instead; a path no route matched holds nothing of ours and stays for debugging."""
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", "")
    if not path or not route or not isinstance(record.args, tuple) or path not in record.args:
        return
    record.args = tuple(f"/{route}" if arg == path else arg for arg in record.args)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


def _log_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=LOG_TIME_ZONE)
    return moment.isoformat(timespec="milliseconds")


# Attributes every LogRecord has; anything else on a record came from `extra={...}`.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "request_id", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, the plain
    values given in `extra`, and the traceback as one string when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": _log_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            # Plain values only: Django puts the HttpRequest itself on django.request's records.
            if key not in _STANDARD_ATTRIBUTES and isinstance(value, str | int | float | bool | None):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal (LOG_FORMAT=text): the same time zone as the JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or "-"
        line = f"{_log_time(record)} {record.levelname} [{request_id}] {record.name} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line
