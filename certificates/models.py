"""Electronic certificates: a version per change of the register (电子证照标识 with its version),
and the 加注 copies the holder downloads, each sealed, with its 使用有效期."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cases.models import Case
from registry.models import POLICY_PK, Registration


class CertificateSettings(models.Model):
    """Province policy for certificates (one row, edited by administrators)."""

    type_code = models.CharField("证照类型代码", max_length=30, default="11100000000013338W")
    usage_days = models.PositiveSmallIntegerField("加注件使用有效期（天）", default=180)
    copies_per_day = models.PositiveSmallIntegerField("每人每日加注次数上限", default=5)

    class Meta:
        verbose_name = "电子证照规则"
        verbose_name_plural = "电子证照规则"

    def __str__(self) -> str:
        return "电子证照规则"

    @classmethod
    def current(cls) -> CertificateSettings:
        """The rules in force: the row an administrator saved, else the defaults (a read never
        writes the row)."""
        return cls.objects.filter(pk=POLICY_PK).first() or cls(pk=POLICY_PK)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.usage_days < 1:
            errors["usage_days"] = "加注件使用有效期至少为1天"
        if self.copies_per_day < 1:
            errors["copies_per_day"] = "每人每日加注次数上限至少为1次，否则无人能加注"
        if not re.fullmatch(r"[0-9A-Za-z]+", self.type_code, re.ASCII):
            # It becomes a part of every 电子证照标识 (lib.licenseid), which allows no other.
            errors["type_code"] = "证照类型代码只能包含数字和英文字母"
        if errors:
            raise ValidationError(errors)


class CertificateStatus(models.TextChoices):
    CURRENT = "current", "有效"
    SUPERSEDED = "superseded", "已被新证书替代"
    REVOKED = "revoked", "已作废"


class Certificate(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="certificates")
    serial = models.CharField("流水号", max_length=20)
    version = models.PositiveSmallIntegerField("版本")
    license_id = models.CharField("电子证照标识", max_length=120, unique=True)
    status = models.CharField(
        "状态", max_length=12, choices=CertificateStatus.choices, default=CertificateStatus.CURRENT
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_on = models.DateField("签发日期")
    issued_at = models.DateTimeField("签发时间", auto_now_add=True)
    revoked_at = models.DateTimeField("废止时间", null=True, blank=True)
    revoke_reason = models.CharField("废止原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["serial", "version"], name="certificates_serial_version_unique"),
            # One current version per registration at most.
            models.UniqueConstraint(
                fields=["registration"],
                condition=models.Q(status=CertificateStatus.CURRENT),
                name="certificates_one_current_per_registration",
            ),
        ]

    def __str__(self) -> str:
        return self.license_id


class CopyStatus(models.TextChoices):
    PENDING = "pending", "加注中"
    READY = "ready", "已完成"
    FAILED = "failed", "失败"


class CopyAction(models.TextChoices):
    """What changes a copy's status, by the table in `certificates/transitions.py`."""

    COMPLETE = "complete", "完成加注"
    FAIL = "fail", "记录加注失败"


class CertificateCopy(models.Model):
    """A 加注 copy: the sealed OFD file the holder uses until its 使用有效期."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="copies")
    # Printed in the QR code: the public verification page finds the copy by it.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    usage_valid_until = models.DateField("使用有效期至")
    status = models.CharField("状态", max_length=10, choices=CopyStatus.choices, default=CopyStatus.PENDING)
    file = models.FileField("文件", upload_to="certificates/", max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField("完成时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField("错误", max_length=300, blank=True)
    # What the public page says of the seal on the file (ADR 0032): the time-stamping
    # service's time, when the file was stamped, and the signer certificate's serial number
    # (decimal), which the CA's revocation list names when it revokes it.
    stamped_at = models.DateTimeField("可信时间", null=True, blank=True)
    signer_serial = models.CharField("签章证书序列号", max_length=80, blank=True)

    class Meta:
        verbose_name = "加注件"
        verbose_name_plural = "加注件"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.certificate.license_id} 加注件"


class LogAction(models.TextChoices):
    ISSUE = "issue", "签发"
    ANNOTATE = "annotate", "加注"
    DOWNLOAD = "download", "下载"
    REVOKE = "revoke", "废止"
    SUPERSEDE = "supersede", "替代"


class CertificateLog(models.Model):
    """Every issue, copy and download, for the holder's list and for audits."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="logs")
    copy = models.ForeignKey(
        CertificateCopy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField("操作", max_length=10, choices=LogAction.choices)
    detail = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "证照日志"
        verbose_name_plural = "证照日志"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


class SealStatus(models.TextChoices):
    """Where the sealed OFD of a notice is (ADR 0033)."""

    PENDING = "pending", "盖章中"
    READY = "ready", "已盖章"
    FAILED = "failed", "盖章失败"


class SealAction(models.TextChoices):
    """What changes a sealed notice's status, by the table in `certificates/transitions.py`."""

    COMPLETE = "complete", "完成盖章"
    FAIL = "fail", "记录盖章失败"


class SealedNotice(models.Model):
    """The sealed OFD of a notice (`cases.Notice`): made in the worker once the notice is issued,
    with the same seal as the certificates; `token` is in its QR code and attached record, and
    opens the notice's public check."""

    notice = models.OneToOneField("cases.Notice", on_delete=models.CASCADE, related_name="sealed")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=SealStatus.choices, default=SealStatus.PENDING)
    file = models.FileField("文件", upload_to="notices/", max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField("盖章时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField("错误", max_length=300, blank=True)

    class Meta:
        verbose_name = "电子文书"
        verbose_name_plural = "电子文书"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.notice} 电子文书"

    @property
    def is_ready(self) -> bool:
        return self.status == SealStatus.READY

    @property
    def is_pending(self) -> bool:
        return self.status == SealStatus.PENDING
