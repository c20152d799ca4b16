"""The relying parties of the open API (docs/adr/0022-open-api.md): institutions that the
系统管理员 registers, each with an app key, a secret it signs its requests with, the scopes
it may call and its own limits. A party is never deleted (the audit trail names it): it is
suspended, which takes effect with its next request."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lib.encrypted import EncryptedCharField


class ApiScope(models.TextChoices):
    CERTIFICATE_VERIFY = "certificate:verify", "核验电子证书"
    REGISTER_READ = "register:read", "查询注册信息"


class RelyingParty(models.Model):
    name = models.CharField("调用方名称", max_length=100, unique=True)
    # A person's name and telephone at the institution: personal data, kept encrypted.
    contact = EncryptedCharField("联系人及电话", max_length=100)
    app_key = models.CharField("应用标识（AppKey）", max_length=32, unique=True, editable=False)
    # The HMAC key itself: the server needs it to check a signature, so it is kept encrypted
    # (SM4, DATA_KEY), never as a hash; shown once when made (api.services).
    secret = EncryptedCharField("密钥", max_length=64, editable=False)
    scopes = models.JSONField("权限范围", default=list)
    per_minute = models.PositiveIntegerField("每分钟调用上限", default=60)
    per_day = models.PositiveIntegerField("每日调用上限", default=10_000)
    suspended = models.BooleanField("已暂停", default=False)
    created_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)
    secret_set_at = models.DateTimeField("密钥生成时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "接口调用方"
        verbose_name_plural = "接口调用方"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def may(self, scope: ApiScope) -> bool:
        return scope.value in self.scopes
