from __future__ import annotations

from django.apps import AppConfig


class RevocationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "revocation"
    verbose_name = "撤销注册与强制注销"
