"""The person's rights over their data (个人信息保护法 Art 44–47) that leave a record: a request
to correct what the portal holds. 我的信息 itself reads other apps' rows; 注销账号 changes the
account (privacy.services)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CorrectionStatus(models.TextChoices):
    OPEN = "open", "待处理"
    CORRECTED = "corrected", "更正完成"
    DECLINED = "declined", "不予更正"


class CorrectionRequest(models.Model):
    """「申请更正」: what the person says is wrong, for the department's 受理人员, who correct it
    through the ordinary ways (a case, the admin's reference data) and close the request
    with a reply the person reads in 我的信息 and in a 站内消息."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="correction_requests",
        verbose_name="申请人",
    )
    department = models.ForeignKey(
        "catalog.Department", on_delete=models.PROTECT, related_name="+", verbose_name="处理部门"
    )
    description = models.TextField("需要更正的内容", max_length=1000)
    status = models.CharField(
        "状态", max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN
    )
    created_at = models.DateTimeField("申请时间", default=timezone.now)
    reply = models.TextField("答复", max_length=1000, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办理人",
    )

    class Meta:
        verbose_name = "更正申请"
        verbose_name_plural = "更正申请"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status", "created_at"], name="privacy_correction_queue")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_status_display()}"
