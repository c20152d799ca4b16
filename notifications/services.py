"""Writes for notifications: the SMS outbox and the in-site inbox.

SMS delivery runs in three steps. `sms_enqueue` writes the outbox row and its delivery task
in the caller's transaction (no phantom jobs, no lost ones). The worker runs `sms_deliver`,
which claims the row, calls the gateway outside any transaction and records the outcome,
re-enqueueing itself with a growing delay while the gateway is down: the django-tasks-db
backend has no retries of its own. `sms_requeue_stale`, run by `manage.py run_periodic`,
hands out again what a dead worker or a lost task left behind."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.template import Context
from django.template.engine import Engine
from django.utils import timezone

from lib.errors import ApplicationError
from lib.masking import mask_mobile
from lib.metrics import DeliveryOutcome, sms_outcome
from lib.taskqueue import backoff_delay, enqueue, task_pending
from notifications.gateways import GatewayError, get_gateway
from notifications.models import InboxMessage, SmsMessage, SmsStatus
from notifications.tasks import deliver_sms

logger = logging.getLogger(__name__)

REDACTED_TEXT = "（本短信含验证码，发送结束后内容已隐藏）"

# However long the gateway has been down, try again at least once an hour.
MAX_RETRY_DELAY_SECONDS = 60 * 60

_TEMPLATE_NAME = re.compile(r"[a-z0-9_]+")


# --- SMS outbox -------------------------------------------------------------------------


def sms_render(*, template: str, context: Mapping[str, object]) -> str:
    """The text of `templates/notifications/sms/<template>.txt` for `context`, stripped."""
    if not _TEMPLATE_NAME.fullmatch(template):
        raise ValueError(f"not an SMS template name: {template!r}")
    compiled = Engine.get_default().get_template(f"notifications/sms/{template}.txt")
    # An SMS is plain text: with HTML escaping on, a 单位名称 with "&" would arrive as "&amp;".
    return compiled.render(Context(dict(context), autoescape=False)).strip()


def sms_enqueue(
    *,
    mobile: str,
    template: str,
    context: Mapping[str, object],
    user: AbstractBaseUser | None = None,
    sensitive: bool = False,
) -> SmsMessage:
    """Queue an SMS: render the text, write the outbox row and enqueue its delivery task.

    Runs in the caller's transaction when there is one, so that a rolled-back change leaves
    neither a message nor a task; it never talks to the gateway itself. A `sensitive` text
    (a verification code) is blanked once the message is delivered or given up."""
    text = sms_render(template=template, context=context)
    now = timezone.now()
    with transaction.atomic():
        message = SmsMessage.objects.create(
            user_id=user.pk if user is not None else None,
            mobile=mobile,
            template=template,
            text=text,
            sensitive=sensitive,
            status=SmsStatus.QUEUED,
            next_attempt_at=now,
            created_at=now,
        )
        enqueue(deliver_sms, message_id=message.pk)
    return message


def sms_retry_delay(*, attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: doubling, at most an hour."""
    return backoff_delay(
        attempts=attempts, base_seconds=settings.SMS_RETRY_BASE_SECONDS, max_seconds=MAX_RETRY_DELAY_SECONDS
    )


def sms_deliver(*, message_id: int) -> None:
    """Send one queued message through the gateway (the body of the `deliver_sms` task).

    A message that is not due, already taken by another worker, or finished is left alone,
    so a duplicate task is harmless."""
    now = timezone.now()
    # Claim the row with one conditional UPDATE, the way healthchecks' sendalerts does
    # (`update(...) == 1`): of several workers holding a task for the same message, only the
    # one whose UPDATE changes the row goes on, on SQLite and PostgreSQL alike, with no lock
    # held while the gateway works. The claim commits at once (the worker runs tasks outside
    # a transaction), so a worker that dies from here on leaves a SENDING row with
    # `claimed_at`, which sms_requeue_stale hands out again.
    claimed = SmsMessage.objects.filter(
        pk=message_id, status=SmsStatus.QUEUED, next_attempt_at__lte=now
    ).update(status=SmsStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return
    message = SmsMessage.objects.get(pk=message_id)

    # The network call happens outside any transaction: a slow gateway must not hold locks.
    try:
        provider_message_id = get_gateway().send(mobile=message.mobile, text=message.text)
    except Exception as e:
        if not isinstance(e, GatewayError):
            # An unexpected failure is a bug in an adapter: keep its traceback in the log.
            logger.exception("SMS %s: unexpected error from the gateway", message.pk)
        _sms_attempt_failed(message=message, reason=str(e) or e.__class__.__name__)
        return

    message.status = SmsStatus.DELIVERED
    message.sent_at = timezone.now()
    message.provider_message_id = provider_message_id[:100]
    message.last_error = ""
    if message.sensitive:
        message.text = REDACTED_TEXT
    message.save(update_fields=["status", "sent_at", "provider_message_id", "last_error", "text"])
    sms_outcome(DeliveryOutcome.SENT)


def _sms_attempt_failed(*, message: SmsMessage, reason: str) -> None:
    now = timezone.now()
    message.last_error = reason[:500]
    with transaction.atomic():
        if message.attempts < settings.SMS_MAX_ATTEMPTS:
            message.status = SmsStatus.QUEUED
            message.next_attempt_at = now + sms_retry_delay(attempts=message.attempts)
            message.save(update_fields=["status", "last_error", "next_attempt_at"])
            # The row and its next task are written together, so the retry cannot be lost.
            enqueue(deliver_sms, run_after=message.next_attempt_at, message_id=message.pk)
            sms_outcome(DeliveryOutcome.RETRY)
            logger.warning(
                "SMS %s to %s failed (attempt %d), retrying at %s: %s",
                message.pk,
                mask_mobile(message.mobile),
                message.attempts,
                message.next_attempt_at.isoformat(),
                reason,
            )
        else:
            # The dead letter: it stays FAILED until staff resend it from the admin.
            message.status = SmsStatus.FAILED
            if message.sensitive:
                message.text = REDACTED_TEXT
            message.save(update_fields=["status", "last_error", "text"])
            sms_outcome(DeliveryOutcome.FAILED)
            logger.error(
                "SMS %s to %s failed %d times, giving up: %s",
                message.pk,
                mask_mobile(message.mobile),
                message.attempts,
                reason,
            )


def sms_requeue_stale(*, now: datetime | None = None) -> int:
    """Recover what a dead worker or a lost task left behind; return how many messages got a
    new task. Safe to run as often as one likes.

    - SENDING for longer than SMS_STALE_SECONDS: the worker died after its claim; the
      message goes back to QUEUED (it may, rarely, have been sent already: better twice than
      never for a verification code or a notice).
    - QUEUED and due for longer than SMS_STALE_SECONDS with no READY task: the task row was
      lost or failed before its claim."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SMS_STALE_SECONDS)
    requeued = 0
    with transaction.atomic():
        # skip_locked: two sweeps at once on PostgreSQL split the rows instead of waiting.
        stale = SmsMessage.objects.select_for_update(skip_locked=True).filter(
            status=SmsStatus.SENDING, claimed_at__lt=cutoff
        )
        for message in stale:
            message.status = SmsStatus.QUEUED
            message.next_attempt_at = now
            message.last_error = "发送中断（工作进程退出），重新排队"
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            enqueue(deliver_sms, message_id=message.pk)
            requeued += 1

        forgotten = SmsMessage.objects.select_for_update(skip_locked=True).filter(
            status=SmsStatus.QUEUED, next_attempt_at__lt=cutoff
        )
        for message in forgotten:
            if not task_pending(deliver_sms, message_id=message.pk):
                enqueue(deliver_sms, message_id=message.pk)
                requeued += 1
    if requeued:
        logger.warning("Re-queued %d stale SMS message(s)", requeued)
    return requeued


def sms_retry(*, message: SmsMessage) -> SmsMessage:
    """Resend a FAILED message (the admin's 「重新发送」): a fresh set of attempts from now."""
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != SmsStatus.FAILED:
            raise ApplicationError("只有发送失败的短信可以重新发送")
        if message.sensitive:
            # Its code has expired and its text is gone; the user simply asks for a new code.
            raise ApplicationError("验证码短信不重新发送，请申请人重新获取验证码")
        message.status = SmsStatus.QUEUED
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.claimed_at = None
        message.last_error = ""
        message.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at", "last_error"])
        enqueue(deliver_sms, message_id=message.pk)
    return message


# --- In-site messages -------------------------------------------------------------------


def inbox_message_create(*, user: AbstractBaseUser, title: str, body: str, link: str = "") -> InboxMessage:
    """Put a message in the user's 站内消息. `link` is a path inside the portal, such as the
    page of the 办件 the message is about."""
    # Only site paths: the link is shown as a button, and must not lead off the portal
    # ("//host" and "javascript:" would).
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"an inbox link must be a path inside the portal, not {link!r}")
    return InboxMessage.objects.create(
        user_id=user.pk, title=title, body=body, link=link, created_at=timezone.now()
    )


def inbox_message_mark_read(*, message: InboxMessage) -> None:
    """Mark the message read (the first reading counts; later ones change nothing)."""
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
