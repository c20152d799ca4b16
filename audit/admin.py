"""The 审计管理员's view of the trail in the admin site: read only, for him alone (the role
table, accounts/roles.py). Nothing here writes: a row changed or removed would break the chain,
which is the point of it."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditArchive, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "actor_role", "department", "action", "result", "object_label"]
    list_filter = ["action", "result", "actor_role"]
    search_fields = ["=actor_name", "=object_label", "=object_id"]
    search_help_text = "输入完整的操作人姓名、对象或对象编号查询"
    date_hierarchy = "at"
    ordering = ["-id"]


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyAdmin):
    list_display = ["name", "first_id", "last_id", "count", "created_at"]
