"""Sweeps run by `run_periodic` that clean up after a process that died: task rows left
RUNNING by a dead worker, and files that no row references. Each is idempotent and logs what
it did (docs/operations.md 「故障时的表现」)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bulletins.models import Bulletin
from cases.models import Attachment
from certificates.models import CertificateCopy, SealedNotice
from lib.storage import orphans_delete
from revocation.models import Proceeding

logger = logging.getLogger(__name__)

# Tasks that may run twice without harm: making a copy claims the copy first, so a second run
# finds it made (or claimed) and does nothing; a 注册公告's PDF is kept by the first run to end
# and a later one finds it there. Any other task left RUNNING is marked failed: an SMS and an
# outbound record have their own outboxes, which hand them out again (SMS_STALE_SECONDS,
# EXCHANGE_STALE_SECONDS).
RERUNNABLE_TASKS = frozenset(
    {"certificates.tasks.make_certificate_copy", "bulletins.tasks.make_bulletin_pdf"}
)

WORKER_LOST = "portal.jobs.WorkerLost"


def task_rows_recover_stale(*, now: datetime | None = None) -> tuple[int, int]:
    """Task rows RUNNING for longer than TASK_STALE_SECONDS (their worker died): re-queue the
    re-runnable ones, mark the others failed. Returns (re-queued, failed)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASK_STALE_SECONDS)
    requeued = failed = 0
    with transaction.atomic():
        stale = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        for row in stale:
            if row.task_path in RERUNNABLE_TASKS:
                row.status = TaskResultStatus.READY
                row.started_at = None
                row.save(update_fields=["status", "started_at"])
                requeued += 1
            else:
                row.status = TaskResultStatus.FAILED
                row.finished_at = now
                row.exception_class_path = WORKER_LOST
                row.traceback = f"工作进程在执行中中断（超过 {settings.TASK_STALE_SECONDS} 秒无结果）"
                row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                failed += 1
    if requeued or failed:
        logger.warning("task rows left running by a dead worker: %d re-queued, %d failed", requeued, failed)
    return requeued, failed


# Which rows own the files under each storage prefix.
# Every prefix the code passes to lib.storage.file_save is here (portal/tests/test_faults_sweeps.py
# reads the source to hold it so); audit-archive/ has its own sweep (audit.services).
FILE_OWNERS: tuple[tuple[str, type[models.Model], str], ...] = (
    ("cases", Attachment, "file"),
    ("certificates", CertificateCopy, "file"),
    ("notices", SealedNotice, "file"),
    ("bulletins", Bulletin, "file"),
    ("proceedings", Proceeding, "statement_file"),
)


def _referenced(model: type[models.Model], field: str) -> Callable[[list[str]], set[str]]:
    def referenced(names: list[str]) -> set[str]:
        rows = model._default_manager.filter(**{f"{field}__in": names})
        return set(rows.values_list(field, flat=True))

    return referenced


def orphan_files_delete(*, today: date, now: datetime | None = None) -> int:
    """Files under the prefixes of FILE_OWNERS (attachments, copies, sealed notices, bulletins,
    statements' evidence) that no row references and that are older than ORPHAN_GRACE_SECONDS
    (a process died between writing the file and its row; a file being written right now is
    younger). Runs with the daily jobs; `today` is
    their common argument, the age counts from `now`."""
    now = now or timezone.now()
    older_than = now - timedelta(seconds=settings.ORPHAN_GRACE_SECONDS)
    total = 0
    for prefix, model, field in FILE_OWNERS:
        total += orphans_delete(prefix=prefix, referenced=_referenced(model, field), older_than=older_than)
    return total
