"""Writes for notifications: the SMS outbox and the in-site inbox.

SMS delivery runs in three steps. `sms_enqueue` writes the outbox row and its delivery task
in the caller's transaction (no phantom jobs, no lost ones). The worker runs `sms_deliver`,
which claims the row, calls the gateway outside any transaction and records the outcome,
re-enqueueing itself with a growing delay while the gateway is down: the django-tasks-db
backend has no retries of its own. `sms_requeue_stale`, run by `manage.py run_periodic`,
hands out again what a dead worker or a lost task left behind. The claiming, retrying and
recovering are the outbox's (notifications/outbox.py), shared with the 好差评 push."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.template import Context
from django.template.engine import Engine
from django.utils import timezone

from lib.errors import ApplicationError
from lib.masking import mask_mobile
from lib.metrics import DeliveryOutcome, sms_outcome
from notifications.gateways import GatewayError, get_gateway
from notifications.models import InboxMessage, SmsMessage, SmsStatus
from notifications.outbox import AttemptOutcome, Outbox
from notifications.tasks import deliver_sms

logger = logging.getLogger(__name__)

REDACTED_TEXT = "（本短信含验证码，发送结束后内容已隐藏）"
CLOSED_ACCOUNT_TEXT = "（账号已注销，本短信未发送，内容已删除）"
CLOSED_ACCOUNT_ERROR = "账号已注销，不再发送"

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
        SMS_OUTBOX.schedule(message)
    return message


SMS_OUTBOX: Outbox[SmsMessage] = Outbox(
    model=SmsMessage,
    task=deliver_sms,
    id_kwarg="message_id",
    settings_prefix="SMS",
    logger=logger,
    what="SMS",
)


def sms_retry_delay(*, attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: doubling, at most an hour."""
    return SMS_OUTBOX.retry_delay(attempts=attempts)


def sms_deliver(*, message_id: int) -> None:
    """Send one queued message through the gateway (the body of the `deliver_sms` task).

    A message that is not due, already taken by another worker, or finished is left alone
    (`Outbox.claim`), so a duplicate task is harmless. A worker that dies after its claim
    leaves a SENDING row, which sms_requeue_stale hands out again."""
    message = SMS_OUTBOX.claim(pk=message_id)
    if message is None:
        return

    # The network call happens outside any transaction: a slow gateway must not hold locks.
    try:
        provider_message_id = get_gateway().send(mobile=message.mobile, text=message.text)
    except Exception as e:
        if not isinstance(e, GatewayError):
            # An unexpected failure is a bug in an adapter: keep its traceback in the log.
            logger.exception("SMS %s: unexpected error from the gateway", message.pk)
        outcome = SMS_OUTBOX.attempt_failed(
            message,
            reason=str(e) or e.__class__.__name__,
            label=f"{message.pk} to {mask_mobile(message.mobile)}",
            on_give_up=_redacted,
        )
        sms_outcome(DeliveryOutcome.RETRY if outcome == AttemptOutcome.RETRY else DeliveryOutcome.FAILED)
        return

    message.provider_message_id = provider_message_id[:100]
    _redacted(message)
    SMS_OUTBOX.delivered(message, fields=["provider_message_id", "text"])
    sms_outcome(DeliveryOutcome.SENT)


def _redacted(message: SmsMessage) -> list[str]:
    """A verification code's text goes once the message is done with (sent or given up)."""
    if message.sensitive:
        message.text = REDACTED_TEXT
    return ["text"]


def sms_requeue_stale(*, now: datetime | None = None) -> int:
    """Recover what a dead worker or a lost task left behind (`Outbox.requeue_stale`);
    return how many messages got a new task. A message whose worker died after its claim
    may, rarely, have been sent already: better twice than never for a code or a notice."""
    return SMS_OUTBOX.requeue_stale(now=now)


def sms_retry(*, message: SmsMessage) -> SmsMessage:
    """Resend a FAILED message (the admin's 「重新发送」): a fresh set of attempts from now."""
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != SmsStatus.FAILED:
            raise ApplicationError("只有发送失败的短信可以重新发送")
        if message.user is not None and message.user.closed_at is not None:
            raise ApplicationError("该账号已注销，不再向其发送短信")
        if message.sensitive:
            # Its code has expired and its text is gone; the user simply asks for a new code.
            raise ApplicationError("验证码短信不重新发送，请申请人重新获取验证码")
        SMS_OUTBOX.requeue(message)
    return message


def sms_cancel_for_closed_account(*, user: AbstractBaseUser) -> int:
    """The account is being closed (privacy.services.account_close, in its transaction): its
    messages not yet sent are not sent, and their texts are deleted. A message already with
    the gateway (SENDING) cannot be called back. Returns how many were cancelled; their queued
    tasks then find nothing to claim (`Outbox.claim`)."""
    return SmsMessage.objects.filter(user_id=user.pk, status__in=[SmsStatus.QUEUED, SmsStatus.FAILED]).update(
        status=SmsStatus.FAILED,
        text=CLOSED_ACCOUNT_TEXT,  # encrypted by the field, as save() would
        last_error=CLOSED_ACCOUNT_ERROR,
    )


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


def person_notify(
    *, user: AbstractBaseUser, template: str, context: Mapping[str, object], title: str, body: str, link: str
) -> None:
    """Tell someone of a step of their case or their work, as every step does: the SMS
    `template` (when the account has a mobile) and a 站内消息 with a link to the page."""
    mobile = getattr(user, "mobile", "")
    if mobile:
        sms_enqueue(mobile=mobile, template=template, context=context, user=user)
    inbox_message_create(user=user, title=title, body=body, link=link)


def inbox_message_mark_read(*, message: InboxMessage) -> None:
    """Mark the message read (the first reading counts; later ones change nothing)."""
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
