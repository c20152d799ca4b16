"""Certificates are issued by granted cases only; the admin edits the certificate rules, which
`CertificateSettings.clean` checks."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from certificates.models import CertificateSettings
from registry.models import POLICY_PK


@admin.register(CertificateSettings)
class CertificateSettingsAdmin(admin.ModelAdmin[CertificateSettings]):
    list_display = ["__str__", "type_code", "usage_days", "copies_per_day"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CertificateSettings.objects.exists()

    def save_model(self, request: HttpRequest, obj: CertificateSettings, form: Any, change: bool) -> None:
        # The one row `CertificateSettings.current()` reads, whatever the table's id sequence says.
        obj.pk = POLICY_PK
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: CertificateSettings | None = None) -> bool:
        return False
