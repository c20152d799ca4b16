"""The outbound records: every record for another platform is a row here before it is a
network call, written in the transaction of the change it reports (a rolled-back change sends
nothing; a committed one reaches the receiver even if it is down for a day)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from exchange.contracts import Channel
from lib.encrypted import EncryptedJSONField


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "排队"
    SENDING = "sending", "发送中"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


class OutboundRecord(models.Model):
    # Sent with every attempt (the Idempotency-Key header and `record_id`): a receiver that
    # already holds a record with this key answers as before and stores nothing new, so a
    # record sent again after a worker died between sending and marking arrives once.
    key = models.UUIDField("幂等键", default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField("接收方", max_length=10, choices=Channel.choices)
    event = models.CharField("事件", max_length=20)
    # What the record is about, in the receiver's terms (电子证照标识, 办件编号): records of one
    # subject are delivered in the order they were written.
    subject = models.CharField("对象标识", max_length=120)
    # A licence record names its holder with a full ID number: encrypted at rest.
    payload = EncryptedJSONField("内容")
    occurred_at = models.DateTimeField("发生时间")
    status = models.CharField(
        "状态", max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    # The earliest time a worker may try (again); pushed back after each failure.
    next_attempt_at = models.DateTimeField("下次发送时间", default=timezone.now)
    # When a worker took the record; also the claim's token: only that worker marks it.
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    receipt = models.CharField("接收方回执", max_length=100, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "共享数据记录"
        verbose_name_plural = "共享数据记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="exchange_status_next_idx"),
            models.Index(fields=["channel", "subject", "id"], name="exchange_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.subject} {self.event}（{self.get_status_display()}）"
