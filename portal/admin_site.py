"""The admin site: Django's, with the audit trail's hooks in every ModelAdmin (one home,
`audit.adminhooks.AuditedAdmin`), the packages' admin classes (TOTP devices, task rows)
included."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from audit.adminhooks import AuditedAdmin


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdmin):
            # The same class with the audit hooks first in its MRO.
            admin_class = type(
                admin_class.__name__, (AuditedAdmin, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)
