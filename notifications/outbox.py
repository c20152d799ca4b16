"""The outbox: how the worker hands something to an outside system once, however often that
system is down. Shared by the SMS outbox (`notifications.services`) and the 好差评 push
(`ratings.services`); each keeps its own rows, task, gateway and settings, and this module
keeps the mechanics, so that a fix to claiming or retrying reaches both (ADR 0004, 0021).

The steps, for a row of a model derived from `OutboxRow`:

1. The caller writes the row and its task in its own transaction (`Outbox.schedule`): a
   rolled-back change leaves neither.
2. The worker's task claims the row with one conditional UPDATE (`Outbox.claim`): of two
   workers holding a task for the same row, one goes on. The claim commits at once, and the
   gateway is called outside any transaction.
3. The outcome is written: delivered (by the caller), or `Outbox.attempt_failed`, which
   re-enqueues the task with a doubling delay (the django-tasks-db backend has no retries of
   its own) until `<PREFIX>_MAX_ATTEMPTS`, then leaves the row FAILED (the dead letter).
4. `Outbox.requeue_stale`, run by `manage.py run_periodic`, hands out again a row whose
   worker died after its claim, or whose task was lost."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks.base import Task

from lib.taskqueue import backoff_delay, enqueue, task_pending

# However long a gateway has been down, try again at least once an hour.
MAX_RETRY_DELAY_SECONDS = 60 * 60


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", "排队"
    SENDING = "sending", "发送中"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


class AttemptOutcome(StrEnum):
    RETRY = "retry"  # the gateway failed; tried again later
    FAILED = "failed"  # given up after the last attempt


class OutboxRow(models.Model):
    """The delivery state every outbox row carries; the model adds what it delivers."""

    status = models.CharField(
        "状态", max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    # The earliest time a worker may try (again); pushed back after each failure.
    next_attempt_at = models.DateTimeField("下次发送时间", default=timezone.now)
    # When a worker took the row; a SENDING row claimed long ago belongs to a dead worker.
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        abstract = True


R = TypeVar("R", bound=OutboxRow)


@dataclass(frozen=True)
class Outbox(Generic[R]):
    """The mechanics for one kind of row. `settings_prefix` names the three settings
    `<prefix>_MAX_ATTEMPTS`, `<prefix>_RETRY_BASE_SECONDS` and `<prefix>_STALE_SECONDS`,
    read at each call (tests override them); `logger` is the owning module's, so the log
    lines say whose delivery failed; `what` starts each line ("SMS", "rating push")."""

    model: type[R]
    task: Task[..., Any]
    id_kwarg: str
    settings_prefix: str
    logger: logging.Logger
    what: str

    def _setting(self, name: str) -> int:
        return int(getattr(settings, f"{self.settings_prefix}_{name}"))

    def schedule(self, row: R, *, run_after: datetime | None = None) -> None:
        """Enqueue the row's delivery task, in the caller's transaction."""
        enqueue(self.task, run_after=run_after, **{self.id_kwarg: row.pk})

    def retry_delay(self, *, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed try: doubling, at most an hour."""
        return backoff_delay(
            attempts=attempts,
            base_seconds=self._setting("RETRY_BASE_SECONDS"),
            max_seconds=MAX_RETRY_DELAY_SECONDS,
        )

    def claim(self, *, pk: int) -> R | None:
        """Take the row for one attempt, or None when it is not due, taken by another worker,
        finished or gone: a duplicate task is then harmless.

        One conditional UPDATE, as healthchecks' sendalerts claims (`update(...) == 1`): only
        the worker whose UPDATE changes the row goes on, on SQLite and PostgreSQL alike, and
        no lock is held while the gateway works."""
        now = timezone.now()
        claimed = self.model._default_manager.filter(
            pk=pk, status=OutboxStatus.QUEUED, next_attempt_at__lte=now
        ).update(status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if claimed != 1:
            return None
        return self.model._default_manager.get(pk=pk)

    def delivered(self, row: R, *, fields: Iterable[str] = ()) -> None:
        """Record a delivery; `fields` are the caller's own fields it set on the row."""
        row.status = OutboxStatus.DELIVERED
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["status", "sent_at", "last_error", *fields])

    def attempt_failed(
        self,
        row: R,
        *,
        reason: str,
        label: str,
        on_give_up: Callable[[R], Iterable[str]] | None = None,
    ) -> AttemptOutcome:
        """Record a failed attempt: retry later (the row and its next task written together,
        so the retry cannot be lost) or, after the last attempt, leave the row FAILED.
        `label` names the row in the log line; `on_give_up` changes the row as it is given up
        and returns the fields it set."""
        now = timezone.now()
        row.last_error = reason[:500]
        with transaction.atomic():
            if row.attempts < self._setting("MAX_ATTEMPTS"):
                row.status = OutboxStatus.QUEUED
                row.next_attempt_at = now + self.retry_delay(attempts=row.attempts)
                row.save(update_fields=["status", "last_error", "next_attempt_at"])
                self.schedule(row, run_after=row.next_attempt_at)
                self.logger.warning(
                    "%s %s failed (attempt %d), retrying at %s: %s",
                    self.what,
                    label,
                    row.attempts,
                    row.next_attempt_at.isoformat(),
                    reason,
                )
                return AttemptOutcome.RETRY
            row.status = OutboxStatus.FAILED
            extra = list(on_give_up(row)) if on_give_up is not None else []
            row.save(update_fields=["status", "last_error", *extra])
            self.logger.error("%s %s failed %d times, giving up: %s", self.what, label, row.attempts, reason)
            return AttemptOutcome.FAILED

    def requeue(self, row: R) -> None:
        """A FAILED row gets a fresh set of attempts from now (an administrator's 「重新发送」).
        The caller has locked the row and checked that it failed."""
        row.status = OutboxStatus.QUEUED
        row.attempts = 0
        row.next_attempt_at = timezone.now()
        row.claimed_at = None
        row.last_error = ""
        row.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at", "last_error"])
        self.schedule(row)

    def requeue_stale(self, *, now: datetime | None = None) -> int:
        """Recover what a dead worker or a lost task left behind; return how many rows got a
        new task. Safe to run as often as one likes.

        - SENDING for longer than `<prefix>_STALE_SECONDS`: the worker died after its claim;
          the row goes back to QUEUED (the gateway may, rarely, have taken it already: the
          SMS accepts that, the rating push sends an idempotency key for it).
        - QUEUED and due for longer than that with no READY task: the task row was lost or
          failed before its claim."""
        now = now or timezone.now()
        cutoff = now - timedelta(seconds=self._setting("STALE_SECONDS"))
        manager = self.model._default_manager
        requeued = 0
        with transaction.atomic():
            # skip_locked: two sweeps at once on PostgreSQL split the rows instead of waiting.
            stale = manager.select_for_update(skip_locked=True).filter(
                status=OutboxStatus.SENDING, claimed_at__lt=cutoff
            )
            for row in stale:
                row.status = OutboxStatus.QUEUED
                row.next_attempt_at = now
                row.last_error = "发送中断（工作进程退出），重新排队"
                row.save(update_fields=["status", "next_attempt_at", "last_error"])
                self.schedule(row)
                requeued += 1

            forgotten = manager.select_for_update(skip_locked=True).filter(
                status=OutboxStatus.QUEUED, next_attempt_at__lt=cutoff
            )
            for row in forgotten:
                if not self.has_pending_task(pk=row.pk):
                    self.schedule(row)
                    requeued += 1
        if requeued:
            self.logger.warning("Re-queued %d stale %s row(s)", requeued, self.what)
        return requeued

    def has_pending_task(self, *, pk: int) -> bool:
        return task_pending(self.task, **{self.id_kwarg: pk})
