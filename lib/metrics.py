"""Prometheus metrics: the only module that imports prometheus_client.

Domain code calls the small functions below (`sms_outcome`, `login_failure`, ...), never a
metric object, so names and labels live here alone (docs/operations.md lists them).

Several gunicorn workers and the task worker are separate processes. With
PROMETHEUS_MULTIPROC_DIR set (the same directory for all of one host's processes, emptied at
boot by deploy/tmpfiles.d/lnzwfw.conf), each process writes its numbers to files there and
/metrics adds them up; without it each process counts on its own, which is right for one
process and for tests. A dead process's counter files stay (its counts are part of the
totals) until the web server starts again: then `dead_process_files_remove` drops them, so
recycled gunicorn workers and one-off manage.py runs do not pile up between boots."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST


class DeliveryOutcome(StrEnum):
    """What one attempt of an outbox (SMS, outbound records, rating pushes) came to."""

    SENT = "sent"  # the gateway or receiver took it
    RETRY = "retry"  # it failed; tried again later
    FAILED = "failed"  # given up: attempts used up, or refused for good


class LoginFailureKind(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a label: wrong password or unknown name
    SMS = "sms"  # wrong or expired SMS login code
    SECOND_FACTOR = "second_factor"  # a staff member's wrong TOTP or SMS code
    LOCKED = "locked"  # refused because the account is locked
    UNIFIED = "unified"  # a sign-in through 统一身份认证 refused (bad token, identity held elsewhere)


_requests = Counter(
    "portal_http_requests",
    "HTTP requests answered, by view name, method and status class.",
    ["view", "method", "status"],
)
_request_seconds = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by view name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_sms = Counter("portal_sms", "SMS delivery attempts, by outcome.", ["outcome"])
_copy_seconds = Histogram(
    "portal_certificate_copy_seconds",
    "Time to draw and seal one certificate copy (加注件) in the worker.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
_outbound = Counter(
    "portal_outbound_records",
    "Outbound record (data sharing) delivery attempts, by receiving channel and outcome.",
    ["channel", "outcome"],
)
_rating_pushes = Counter(
    "portal_rating_pushes",
    "好差评 rating push attempts to the provincial system, by outcome.",
    ["outcome"],
)
_login_failures = Counter("portal_login_failures", "Refused sign-in steps, by kind.", ["kind"])

# Every outcome and kind is there from the start, at 0, so that a rate over the first event
# is right and a dashboard shows "none" rather than "no data".
for _outcome in DeliveryOutcome:
    _sms.labels(outcome=_outcome.value)
    _rating_pushes.labels(outcome=_outcome.value)
for _kind in LoginFailureKind:
    _login_failures.labels(kind=_kind.value)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_observed(*, view: str, method: str, status: int, seconds: float) -> None:
    """One answered request. `view` is a URL name, never a path, so the labels stay few."""
    _requests.labels(
        view=view, method=method if method in _METHODS else "OTHER", status=f"{status // 100}xx"
    ).inc()
    _request_seconds.labels(view=view).observe(seconds)


def sms_outcome(outcome: DeliveryOutcome) -> None:
    _sms.labels(outcome=outcome.value).inc()


def rating_push_outcome(outcome: DeliveryOutcome) -> None:
    _rating_pushes.labels(outcome=outcome.value).inc()


def outbound_channels_known(channels: Iterable[str]) -> None:
    """Start every channel's outcomes at 0 (called once the app knows its channels: lib
    imports no app, so it cannot list them itself)."""
    for channel in channels:
        for outcome in DeliveryOutcome:
            _outbound.labels(channel=channel, outcome=outcome.value)


def outbound_outcome(*, channel: str, outcome: DeliveryOutcome) -> None:
    _outbound.labels(channel=channel, outcome=outcome.value).inc()


def login_failure(kind: LoginFailureKind) -> None:
    _login_failures.labels(kind=kind.value).inc()


@contextmanager
def certificate_copy_timer() -> Iterator[None]:
    """Times the block; only a copy that was made is counted (a failure raises through)."""
    start = time.perf_counter()
    yield
    _copy_seconds.observe(time.perf_counter() - start)


class QueueCollector(Collector):
    """The task queue's depth and age, read from the database at each scrape, so that the
    numbers are the queue's own (shared by every host), not one process's view of it."""

    def describe(self) -> Iterable[Metric]:
        # What register() asks for, so that it need not run a query (at import, with no
        # database yet) to learn the names.
        yield GaugeMetricFamily("portal_task_queue_depth", "", labels=["queue", "status"])
        yield GaugeMetricFamily("portal_task_queue_oldest_due_seconds", "", labels=["queue"])

    def collect(self) -> Iterable[Metric]:
        # Imported here: lib.taskqueue needs Django's apps, which are not ready when
        # gunicorn.conf.py or settings import this module.
        from lib.taskqueue import queue_stats

        depth = GaugeMetricFamily(
            "portal_task_queue_depth",
            "Tasks waiting (ready) or running, by queue.",
            labels=["queue", "status"],
        )
        age = GaugeMetricFamily(
            "portal_task_queue_oldest_due_seconds",
            "How long the oldest due task has waited, by queue (0 when none is due).",
            labels=["queue"],
        )
        for entry in queue_stats():
            depth.add_metric([entry.queue, "ready"], entry.ready)
            depth.add_metric([entry.queue, "running"], entry.running)
            age.add_metric([entry.queue], entry.oldest_due_seconds)
        yield depth
        yield age


_queue_collector = QueueCollector()
REGISTRY.register(_queue_collector)


def metrics_exposition() -> bytes:
    """The text a scrape receives: this host's processes added up in multiprocess mode, this
    process's own numbers otherwise, and the queue read now."""
    if os.environ.get(MULTIPROC_DIR_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_queue_collector)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_dead(pid: int) -> None:
    """For gunicorn's child_exit hook: forget a dead worker's live gauges (multiprocess)."""
    if os.environ.get(MULTIPROC_DIR_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


_PROCESS_FILE = re.compile(r"^[a-z_]+_(\d+)\.db$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def dead_process_files_remove() -> int:
    """For gunicorn's on_starting hook: delete the files of processes that have exited (old
    workers, finished manage.py commands), keep those of running ones (this host's run_worker).
    The web server's own totals start again at its start anyway; Prometheus reads the drop as
    a counter reset. Returns how many files went."""
    folder = os.environ.get(MULTIPROC_DIR_ENV)
    if not folder:
        return 0
    removed = 0
    for entry in os.scandir(folder):
        match = _PROCESS_FILE.match(entry.name)
        if match and int(match.group(1)) != os.getpid() and not _process_alive(int(match.group(1))):
            try:
                os.remove(entry.path)
            except FileNotFoundError:  # another process swept it first
                continue
            removed += 1
    return removed
