from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from audit.jobs import audit_archive_daily, audit_verify_daily
from cases.jobs import confirmations_overdue_notify, correction_reminders_send, release_silences_record
from certificates.crl import crl_refresh
from certificates.notices import notice_seals_requeue_stale
from certificates.services import certificate_copies_requeue_stale
from exchange.services import outbound_requeue_stale
from lib.cache import cache_is_down
from lib.dbretry import db_error_is_transient, db_retrying
from notifications.services import sms_requeue_stale
from portal.jobs import orphan_files_delete, task_rows_recover_stale
from ratings.jobs import rectifications_escalate
from ratings.services import rating_pushes_requeue_stale
from registry.jobs import expiry_reminders_send, registrations_lapse
from supervision.jobs import deadline_alerts_send, pauses_end

logger = logging.getLogger(__name__)

# The daily jobs, in order: a registration lapses before the reminders are counted, so that
# nobody is told to renew a registration that ended yesterday.
DAILY_JOBS: tuple[tuple[str, Callable[..., int]], ...] = (
    ("registrations lapsed", registrations_lapse),
    ("specialty expiry reminders", expiry_reminders_send),
    ("补正 reminders", correction_reminders_send),
    ("overdue 差评整改 escalated", rectifications_escalate),
    # 督办 (ADR 25): a 特别程序 whose time has passed ends first, so that the reminders and
    # escalations see the due day it moved.
    ("特别程序 ended", pauses_end),
    ("deadline reminders and escalations", deadline_alerts_send),
    # 单位确认 (ADR 19): silence of a former employer counts as agreement; a late employer's
    # applicant is told they may switch to paper.
    ("解聘确认 silences recorded", release_silences_record),
    ("单位确认 overdue notices", confirmations_overdue_notify),
    ("orphan files deleted", orphan_files_delete),
    # The chain is checked before rows leave it: an archive refuses a broken range anyway,
    # and the check's alert then names the row.
    ("audit rows verified", audit_verify_daily),
    ("audit rows archived", audit_archive_daily),
)

# While the jobs run, the day is claimed for an hour only: if the host running them dies,
# another takes over within the hour. Once done, the marker outlives its day a little, for
# hosts whose clocks disagree around midnight.
DAILY_CLAIM_SECONDS = 60 * 60
DAILY_DONE_SECONDS = 2 * 24 * 60 * 60

# The days this process ran the jobs while the shared cache was down (lib/cache.py): without
# the cache's marker, each host runs them once a day (they are idempotent) rather than never,
# or every round.
_days_run_without_cache: set[str] = set()


def daily_jobs_run(*, today: date) -> bool:
    """Run the daily jobs if no round has run them for `today` yet; return whether they ran.

    Each job is idempotent, so running it every 60 s would be correct, but it would scan the
    register every minute. `cache.add` is true for one caller per key: with Redis, one host
    per day; with the local cache, once per process per day, still harmless. A failed job
    gives the day back, so the next round tries again. With the cache down, this process
    runs them once that day."""
    key = f"periodic-daily-{today.isoformat()}"
    if key in _days_run_without_cache:
        return False
    if not cache.add(key, "running", timeout=DAILY_CLAIM_SECONDS) and not cache_is_down():
        return False
    without_cache = cache_is_down()
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
        if without_cache or cache_is_down():
            _days_run_without_cache.add(key)
    return True


def sweeps_run() -> None:
    """The sweeps of one round. A transient database error is raised (the round is tried
    again after a pause, lib/dbretry.py); any other is logged, and the next round tries again."""
    try:
        requeued = sms_requeue_stale()
        if requeued:
            logger.warning("re-queued %d stale SMS messages", requeued)
        outbound = outbound_requeue_stale()
        if outbound:
            logger.warning("re-queued %d stale outbound records", outbound)
        pushes = rating_pushes_requeue_stale()
        if pushes:
            logger.warning("re-queued %d stale 好差评 pushes", pushes)
        copies = certificate_copies_requeue_stale()
        if copies:
            logger.warning("re-queued %d certificate copies left by a dead worker", copies)
        notices = notice_seals_requeue_stale()
        if notices:
            logger.warning("queued %d notices for sealing (left by a dead worker, or never sealed)", notices)
        task_rows_recover_stale()
        # Every host that runs the sweeps keeps its own copy of the CA's list (ADR 0032).
        if crl_refresh():
            logger.info("certificate revocation list fetched")
    except Exception as error:
        if db_error_is_transient(error):
            raise
        # One failed round must not stop the sweeps; the next round tries again.
        logger.exception("periodic round failed")


class Command(BaseCommand):
    help = (
        "周期性维护任务：找回因工作进程中断而滞留的短信、共享数据记录、好差评推送、加注件、待盖章文书和任务；每天一次发送注册到期和"
        "待补正提醒、记录逾期未答复的解聘确认、告知单位确认逾期、督办超期的差评整改、结束期满的特别程序、提醒即将到期和督办已到期的办件、将届满未延续的注册置为失效、删除无主文件、"
        "校验并归档审计记录（可在多台主机上同时运行，任务幂等）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="两轮之间的秒数（默认取 PERIODIC_INTERVAL_SECONDS）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if interval is None:
            interval = settings.PERIODIC_INTERVAL_SECONDS
        while True:
            db_retrying(sweeps_run, what="periodic sweeps")
            try:
                daily_jobs_run(today=timezone.localdate())
            except Exception:
                # A job's own failure gives the day back; this is anything else.
                logger.exception("daily jobs failed")
            if options["once"]:
                return
            # Like a request's end: drop a connection the database closed while we slept.
            close_old_connections()
            time.sleep(interval)
