"""The SMS outbox and the in-site inbox.

Every SMS is a row here before it is a network call: the row is written in the caller's
transaction together with the task that delivers it, so a rolled-back change sends nothing,
and a committed one is delivered by a worker even if the gateway is down for a while."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lib.encrypted import BlindIndexed, BlindIndexField, EncryptedCharField, EncryptedTextField, IndexKind
from lib.masking import mask_mobile
from notifications.outbox import OutboxRow, OutboxStatus

# The SMS outbox's statuses are the outbox's (notifications/outbox.py), under the name the SMS
# code and its tests use.
SmsStatus = OutboxStatus


class SmsMessage(BlindIndexed, OutboxRow):
    # SET_NULL: the outbox is a delivery record; deleting an account must not erase it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_messages",
        verbose_name="用户",
    )
    # Encrypted at rest, and the text too: a queued verification code is never in clear in the
    # database, even while the gateway is down. The index lets staff find a phone's messages.
    mobile = EncryptedCharField("手机号", max_length=20)
    mobile_index = BlindIndexField(kind=IndexKind.MOBILE, sources=["mobile"], db_index=True)
    template = models.CharField("模板", max_length=64)
    text = EncryptedTextField("短信内容")
    # A verification code is a secret: its text is blanked once the message is done with, so
    # the outbox does not keep codes that accounts only ever stores as HMACs.
    sensitive = models.BooleanField("含验证码", default=False)
    # status, attempts, next_attempt_at, claimed_at, last_error, created_at, sent_at: OutboxRow.
    provider_message_id = models.CharField("网关消息编号", max_length=100, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_sms_status_next_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {mask_mobile(self.mobile)}（{self.get_status_display()}）"


class InboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_messages",
        verbose_name="用户",
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    # A path inside the portal (e.g. the 办件's page), never an outside address.
    link = models.CharField("链接", max_length=500, blank=True)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notif_inbox_user_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title
