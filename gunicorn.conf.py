"""Gunicorn's settings, read from the directory it starts in (`make run` and the systemd
units start it in the project folder): its own log lines in the portal's format, no access
log, the metrics files of exited processes dropped at start, and the live gauges of a worker
that exits let go of (docs/operations.md 健康检查、监控指标、日志).

Command-line options win over this file: do not pass --access-logfile."""

from __future__ import annotations

import os
from typing import Any

# Django writes one line per request instead (portal.request: method, route pattern, status,
# milliseconds, request id), without the query string that gunicorn's line would carry.
accesslog = None

_format = os.environ.get("LOG_FORMAT", "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "lib.logs.RequestIdFilter"},
        "personal_data": {"()": "lib.logs.PersonalDataFilter"},
    },
    "formatters": {"json": {"()": "lib.logs.JsonFormatter"}, "text": {"()": "lib.logs.TextFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _format if _format in ("json", "text") else "json",
            "filters": ["request_id", "personal_data"],
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    from lib.metrics import dead_process_files_remove

    dead_process_files_remove()


def child_exit(server: Any, worker: Any) -> None:
    from lib.metrics import process_dead

    process_dead(worker.pid)
