"""Writes for exchange: the outbox of records for the platforms around the portal.

Delivery runs in three steps, as the SMS outbox's does (docs/adr/0004, 0024).
`outbound_enqueue` writes the record and its delivery task in the caller's transaction (the
change it reports commits with it, or neither exists). The worker runs `outbound_deliver`,
which claims the record, calls the receiver outside any transaction and records the outcome,
re-enqueueing itself with a growing delay while the receiver is down. `outbound_requeue_stale`
(run by `manage.py run_periodic`) hands out again what a dead worker or a lost task left.

Exactly once at the receiver: delivery itself is at least once (a worker may die after the
receiver took a record and before marking it), and every attempt carries the record's
idempotency key, which the receiver keeps (docs/exchange.md). Records of one subject go in
the order they were written: a record waits while an earlier one of its subject is on its way."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from exchange.contracts import CHANNEL_EVENTS, Channel, Envelope
from exchange.gateways import ReceiverError, channel_enabled, get_receiver
from exchange.models import OutboundRecord, OutboundStatus
from exchange.tasks import deliver_outbound
from lib.errors import ApplicationError
from lib.metrics import DeliveryOutcome, outbound_outcome
from lib.taskqueue import backoff_delay, enqueue, task_pending

logger = logging.getLogger(__name__)

# However long a receiver has been down, try again at least every six hours.
MAX_RETRY_DELAY_SECONDS = 6 * 60 * 60

_UNFINISHED = (OutboundStatus.QUEUED, OutboundStatus.SENDING)


def outbound_enqueue(
    *, channel: Channel, event: str, subject: str, payload: Mapping[str, object], occurred_at: datetime
) -> OutboundRecord | None:
    """Queue a record for `channel`: write it with its delivery task, in the caller's
    transaction (which must be the one that makes the change it reports). None, and nothing
    written, when the channel is off. Never talks to the receiver itself."""
    if event not in CHANNEL_EVENTS[channel]:
        raise ValueError(f"{channel} carries no event {event!r}")
    if not channel_enabled(channel):
        return None
    with transaction.atomic():
        record = OutboundRecord.objects.create(
            channel=channel,
            event=event,
            subject=subject,
            payload=dict(payload),
            occurred_at=occurred_at,
            next_attempt_at=timezone.now(),
            created_at=timezone.now(),
        )
        enqueue(deliver_outbound, record_id=record.pk)
    return record


def outbound_retry_delay(*, attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return backoff_delay(
        attempts=attempts,
        base_seconds=settings.EXCHANGE_RETRY_BASE_SECONDS,
        max_seconds=MAX_RETRY_DELAY_SECONDS,
    )


def envelope_of(record: OutboundRecord) -> Envelope:
    """What the receiver gets for `record`, the same at every attempt."""
    return Envelope(
        record_id=str(record.key),
        # The row's id: records of one subject are written under that subject's row lock
        # (the case, the certificate), so a later change always has a higher id.
        seq=record.pk,
        channel=record.channel,
        event=record.event,
        subject=record.subject,
        occurred_at=timezone.localtime(record.occurred_at).isoformat(),
        source=settings.SITE_NAME,
        data=dict(record.payload),
    )


def _behind_an_earlier_record() -> Exists:
    """True for a record while an earlier record of its subject is still on its way."""
    return Exists(
        OutboundRecord.objects.filter(
            channel=OuterRef("channel"),
            subject=OuterRef("subject"),
            pk__lt=OuterRef("pk"),
            status__in=_UNFINISHED,
        )
    )


def outbound_deliver(*, record_id: int) -> None:
    """Send one queued record to its receiver (the body of the `deliver_outbound` task).

    A record that is not due, waits behind an earlier one of its subject, is taken by another
    worker or is finished is left alone, so a duplicate task is harmless."""
    now = timezone.now()
    # One conditional UPDATE claims the record (of several workers with a task for it, one
    # changes the row); it commits at once, so a worker that dies from here on leaves a
    # SENDING row that outbound_requeue_stale hands out again. `claimed_at` is the claim's
    # token: only the worker holding it marks the outcome.
    claimed = (
        OutboundRecord.objects.filter(pk=record_id, status=OutboundStatus.QUEUED, next_attempt_at__lte=now)
        .exclude(_behind_an_earlier_record())
        .update(status=OutboundStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        # Waiting behind an earlier record: that one hands on to this when it is done.
        return
    record = OutboundRecord.objects.get(pk=record_id)
    channel = Channel(record.channel)

    # The network call happens outside any transaction: a slow receiver must not hold locks.
    try:
        receipt = get_receiver(channel).send(envelope=envelope_of(record))
    except Exception as e:
        if not isinstance(e, ReceiverError):
            # An unexpected failure is a bug in an adapter: keep its traceback in the log.
            logger.exception("outbound record %s: unexpected error from the receiver", record.pk)
        permanent = isinstance(e, ReceiverError) and e.permanent
        _attempt_failed(record=record, reason=str(e) or e.__class__.__name__, permanent=permanent)
        return
    _delivered(record=record, receipt=receipt)


def _delivered(*, record: OutboundRecord, receipt: str) -> None:
    with transaction.atomic():
        marked = _mine(record).update(
            status=OutboundStatus.DELIVERED, sent_at=timezone.now(), receipt=receipt[:100], last_error=""
        )
        if marked:
            _hand_on(record=record)
    if marked:
        outbound_outcome(channel=record.channel, outcome=DeliveryOutcome.SENT)
    else:
        # The sweep took the record from this (slow) worker and another sent it again: the
        # receiver holds it once, under its key, and the other worker marks it.
        logger.warning("outbound record %s: delivered, but no longer this worker's to mark", record.pk)


def _attempt_failed(*, record: OutboundRecord, reason: str, permanent: bool) -> None:
    now = timezone.now()
    reason = reason[:500]
    with transaction.atomic():
        if not permanent and record.attempts < settings.EXCHANGE_MAX_ATTEMPTS:
            next_attempt_at = now + outbound_retry_delay(attempts=record.attempts)
            marked = _mine(record).update(
                status=OutboundStatus.QUEUED, next_attempt_at=next_attempt_at, last_error=reason
            )
            if marked:
                # The row and its next task are written together, so the retry cannot be lost.
                enqueue(deliver_outbound, run_after=next_attempt_at, record_id=record.pk)
                outbound_outcome(channel=record.channel, outcome=DeliveryOutcome.RETRY)
                logger.warning(
                    "outbound record %s (%s %s) failed (attempt %d), retrying at %s: %s",
                    record.pk,
                    record.channel,
                    record.subject,
                    record.attempts,
                    next_attempt_at.isoformat(),
                    reason,
                )
            return
        # The dead letter: FAILED until staff send it again from the admin. It no longer
        # holds back the later records of its subject (each is a whole state, with its seq).
        if _mine(record).update(status=OutboundStatus.FAILED, last_error=reason):
            _hand_on(record=record)
            outbound_outcome(channel=record.channel, outcome=DeliveryOutcome.FAILED)
            logger.error(
                "outbound record %s (%s %s) failed %s, giving up: %s",
                record.pk,
                record.channel,
                record.subject,
                "and was refused by the receiver" if permanent else f"{record.attempts} times",
                reason,
            )


def _mine(record: OutboundRecord) -> QuerySet[OutboundRecord]:
    return OutboundRecord.objects.filter(
        pk=record.pk, status=OutboundStatus.SENDING, claimed_at=record.claimed_at
    )


def _hand_on(*, record: OutboundRecord) -> None:
    """The next queued record of the subject, which waited for this one, gets a task now."""
    successor = (
        OutboundRecord.objects.filter(
            channel=record.channel, subject=record.subject, pk__gt=record.pk, status=OutboundStatus.QUEUED
        )
        .order_by("pk")
        .first()
    )
    # Its own task may still be waiting (the worker runs them in order): then that one will do.
    if successor is not None and not task_pending(deliver_outbound, record_id=successor.pk):
        enqueue(deliver_outbound, run_after=successor.next_attempt_at, record_id=successor.pk)


def outbound_requeue_stale(*, now: datetime | None = None) -> int:
    """Recover what a dead worker or a lost task left behind; return how many records got a
    new task. Safe to run as often as one likes.

    - SENDING for longer than EXCHANGE_STALE_SECONDS: the worker died after its claim. The
      record goes back to QUEUED; the receiver may hold it already, and its key makes the
      second delivery a no-op there.
    - QUEUED and due for longer than that with no READY task: the task was lost, or the
      record waited behind one that a dead worker held."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.EXCHANGE_STALE_SECONDS)
    requeued = 0
    with transaction.atomic():
        # skip_locked: two sweeps at once on PostgreSQL split the rows instead of waiting.
        stale = OutboundRecord.objects.select_for_update(skip_locked=True).filter(
            status=OutboundStatus.SENDING, claimed_at__lt=cutoff
        )
        for record in stale:
            record.status = OutboundStatus.QUEUED
            record.next_attempt_at = now
            record.last_error = "发送中断（工作进程退出），重新排队"
            record.save(update_fields=["status", "next_attempt_at", "last_error"])
            enqueue(deliver_outbound, record_id=record.pk)
            requeued += 1

        # A record waiting behind an earlier one of its subject is not forgotten: the earlier
        # one hands on to it when done.
        forgotten = (
            OutboundRecord.objects.select_for_update(skip_locked=True)
            .filter(status=OutboundStatus.QUEUED, next_attempt_at__lt=cutoff)
            .exclude(_behind_an_earlier_record())
        )
        for record in forgotten:
            if not task_pending(deliver_outbound, record_id=record.pk):
                enqueue(deliver_outbound, record_id=record.pk)
                requeued += 1
    if requeued:
        logger.warning("Re-queued %d stale outbound record(s)", requeued)
    return requeued


def outbound_retry(*, record: OutboundRecord) -> OutboundRecord:
    """Send a FAILED record again (the admin's 「重新发送」): a fresh set of attempts from now,
    under the same key, so a receiver that had taken it after all keeps one copy."""
    with transaction.atomic():
        record = OutboundRecord.objects.select_for_update().get(pk=record.pk)
        if record.status != OutboundStatus.FAILED:
            raise ApplicationError("只有发送失败的记录可以重新发送")
        record.status = OutboundStatus.QUEUED
        record.attempts = 0
        record.next_attempt_at = timezone.now()
        record.claimed_at = None
        record.last_error = ""
        record.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at", "last_error"])
        enqueue(deliver_outbound, record_id=record.pk)
    return record
