"""Readiness: can this app server do its work? One function per dependency, each returning a
Check, and `readiness()` that runs them all within a bound (docs/operations.md lists them).

The checks that talk over the network (cache, storage) run on a thread of their own and are
given READY_CHECK_TIMEOUT_SECONDS: a Redis or S3 that accepts the connection and then says
nothing must not hold the probe (nor the load balancer waiting on it). A check whose previous
run is still hanging is not started again, so a dead dependency costs one thread, not one per
probe."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import connection

from certificates.crypto import signer_is_local
from certificates.keys import key_paths
from lib.taskqueue import queue_stats


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    ms: float
    critical: bool


class CheckFailed(Exception):
    """A check's own refusal, with a short detail for the JSON (no traceback needed)."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    # A value written and read back: a cache wrapped to swallow its errors (and answer None)
    # must still show as down here.
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "1":
        raise CheckFailed("写入的值读不回来")
    return str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]


def check_storage() -> str:
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as probe:
            if probe.read() != b"ok":
                raise CheckFailed("写入的文件读不回来")
    finally:
        default_storage.delete(name)
    return type(storages["default"]).__name__


def check_queue() -> str:
    limit = settings.READY_QUEUE_MAX_AGE_SECONDS
    stats = queue_stats()
    waiting = sum(entry.ready for entry in stats)
    oldest = max((entry.oldest_due_seconds for entry in stats), default=0.0)
    detail = f"{waiting}个任务等待，最久{oldest:.0f}秒"
    if oldest > limit:
        raise CheckFailed(f"{detail}，超过{limit}秒：后台工作进程可能没有运行")
    return detail


def check_keys() -> str:
    paths = key_paths()
    needed: dict[str, Path] = {"CERT_CA_CERT": paths.ca_certificate, "CERT_SEAL_FILE": paths.seal}
    if signer_is_local():
        # A signing service or an HSM (certificates.signers) keeps the key, and reports its
        # certificate itself (`certificate_keys --check` asks it).
        needed["CERT_SIGNING_CERT"] = paths.signing_certificate
        needed["CERT_SIGNING_KEY"] = paths.signing_key
    missing = []
    for setting, path in needed.items():
        try:
            with open(path, "rb") as key_file:
                key_file.read(1)
        except OSError:
            missing.append(setting)
    if missing:
        raise CheckFailed(f"密钥文件缺失或不可读：{'、'.join(missing)}")
    return f"{len(needed)}个文件可读"


# The order of the JSON; the network ones run on threads.
CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "queue": check_queue,
    "keys": check_keys,
}
THREADED = frozenset({"cache", "storage"})

_running: dict[str, threading.Thread] = {}
_running_lock = threading.Lock()


def _failure_detail(error: BaseException) -> str:
    if isinstance(error, CheckFailed):
        return str(error)
    # The class and the first line: enough to tell a refused connection from a timeout, and
    # nothing long or secret (a URL with a password is never in these messages' first line).
    text = str(error).splitlines()[0][:160] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _run(name: str, check: Callable[[], str]) -> tuple[bool, str]:
    try:
        return True, check()
    except Exception as error:
        return False, _failure_detail(error)


class _Threaded:
    """One check on its own daemon thread; `result(deadline)` waits at most until then."""

    def __init__(self, name: str, check: Callable[[], str]) -> None:
        self.name = name
        self.outcome: tuple[bool, str] | None = None
        self.started = time.perf_counter()
        with _running_lock:
            previous = _running.get(name)
            self.busy = previous is not None and previous.is_alive()
            if not self.busy:
                self.thread = threading.Thread(
                    target=self._body, args=(check,), daemon=True, name=f"readyz-{name}"
                )
                _running[name] = self.thread
                self.thread.start()

    def _body(self, check: Callable[[], str]) -> None:
        self.outcome = _run(self.name, check)

    def result(self, deadline: float) -> tuple[bool, str]:
        if self.busy:
            return False, "上一次检查仍未结束（无应答）"
        self.thread.join(max(deadline - time.perf_counter(), 0))
        if self.outcome is None:
            return False, f"超时（{settings.READY_CHECK_TIMEOUT_SECONDS:g}秒无应答）"
        return self.outcome


def readiness() -> list[Check]:
    """Every check, in CHECKS order. The threaded ones start first and run while the
    database ones run here (the database connection belongs to this thread)."""
    timeout = settings.READY_CHECK_TIMEOUT_SECONDS
    started = time.perf_counter()
    threaded = {name: _Threaded(name, CHECKS[name]) for name in CHECKS if name in THREADED}
    outcomes: dict[str, tuple[bool, str, float]] = {}
    for name, check in CHECKS.items():
        if name in THREADED:
            continue
        begin = time.perf_counter()
        ok, detail = _run(name, check)
        outcomes[name] = (ok, detail, time.perf_counter() - begin)
    deadline = started + timeout
    for name, running in threaded.items():
        ok, detail = running.result(deadline)
        outcomes[name] = (ok, detail, time.perf_counter() - running.started)
    noncritical = set(settings.READY_NONCRITICAL)
    return [
        Check(
            name=name,
            ok=outcomes[name][0],
            detail=outcomes[name][1],
            ms=round(outcomes[name][2] * 1000, 1),
            critical=name not in noncritical,
        )
        for name in CHECKS
    ]


def ready(checks: list[Check]) -> bool:
    return all(check.ok for check in checks if check.critical)
