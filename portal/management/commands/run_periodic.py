from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from cases.jobs import correction_reminders_send
from certificates.services import certificate_copies_requeue_stale
from notifications.services import sms_requeue_stale
from registry.jobs import expiry_reminders_send, registrations_lapse

logger = logging.getLogger(__name__)

# The daily jobs, in order: a registration lapses before the reminders are counted, so that
# nobody is told to renew a registration that ended yesterday.
DAILY_JOBS: tuple[tuple[str, Callable[..., int]], ...] = (
    ("registrations lapsed", registrations_lapse),
    ("specialty expiry reminders", expiry_reminders_send),
    ("补正 reminders", correction_reminders_send),
)

# While the jobs run, the day is claimed for an hour only: if the host running them dies,
# another takes over within the hour. Once done, the marker outlives its day a little, for
# hosts whose clocks disagree around midnight.
DAILY_CLAIM_SECONDS = 60 * 60
DAILY_DONE_SECONDS = 2 * 24 * 60 * 60


def daily_jobs_run(*, today: date) -> bool:
    """Run the daily jobs if no round has run them for `today` yet; return whether they ran.

    Each job is idempotent, so running it every 60 s would be correct, but it would scan the
    register every minute. `cache.add` is true for one caller per key: with Redis, one host
    per day; with the local cache, once per process per day, still harmless. A failed job
    gives the day back, so the next round tries again."""
    key = f"periodic-daily-{today.isoformat()}"
    if not cache.add(key, "running", timeout=DAILY_CLAIM_SECONDS):
        return False
    failed = False
    for label, job in DAILY_JOBS:
        # One failing job must not keep the others from running.
        try:
            count = job(today=today)
        except Exception:
            failed = True
            logger.exception("daily job failed: %s", label)
        else:
            logger.info("%s: %d (%s)", label, count, today.isoformat())
    if failed:
        cache.delete(key)
    else:
        cache.set(key, "done", timeout=DAILY_DONE_SECONDS)
    return True


class Command(BaseCommand):
    help = (
        "周期性维护任务：找回因工作进程中断而滞留的短信等；每天一次发送注册到期和待补正提醒、"
        "将届满未延续的注册置为失效（可在多台主机上同时运行，任务幂等）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
        parser.add_argument("--interval", type=float, default=60.0, help="两轮之间的秒数")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                requeued = sms_requeue_stale()
                if requeued:
                    logger.warning("re-queued %d stale SMS messages", requeued)
                copies = certificate_copies_requeue_stale()
                if copies:
                    logger.warning("re-queued %d certificate copies left by a dead worker", copies)
            except Exception:
                # One failed round must not stop the sweeps; the next round tries again.
                logger.exception("periodic round failed")
            try:
                daily_jobs_run(today=timezone.localdate())
            except Exception:
                # The cache itself may be down (Redis); the next round tries again.
                logger.exception("daily jobs failed")
            if options["once"]:
                return
            # Like a request's end: drop a connection the database closed while we slept.
            close_old_connections()
            time.sleep(options["interval"])
