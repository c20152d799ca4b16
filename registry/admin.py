"""The register is changed by granted cases only; the admin shows it and edits the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.selectors import account_of_identity
from audit.adminhooks import AuditedAdmin
from registry.models import (
    POLICY_PK,
    RegisteredSpecialty,
    RegisterSettings,
    Registration,
    RegistrationChange,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """Rows shown, never edited. Each inline lists its fields as read-only too: a read-only
    field needs no form field, which one that no form may hold (`created_at`) cannot have."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SpecialtyInline(ReadOnlyInline):
    model = RegisteredSpecialty
    fields = ["specialty", "valid_from", "valid_to"]
    readonly_fields = ["specialty", "valid_from", "valid_to"]


class ChangeInline(ReadOnlyInline):
    model = RegistrationChange
    fields = ["created_at", "kind", "summary", "case"]
    readonly_fields = ["created_at", "kind", "summary", "case"]


@admin.register(Registration)
class RegistrationAdmin(AuditedAdmin[Registration]):
    audit_reads = True

    def audit_subject(self, obj: Registration) -> int | None:
        person = obj.person
        account = account_of_identity(id_type=person.id_type, id_number=person.id_number)
        return account.pk if account is not None else None

    list_display = ["number", "person", "employer_name", "status", "issued_on"]
    list_filter = ["status"]
    search_fields = ["number", "person__name", "employer_name"]
    inlines = [SpecialtyInline, ChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        return False


@admin.register(RegisterSettings)
class RegisterSettingsAdmin(admin.ModelAdmin[RegisterSettings]):
    list_display = ["__str__", "number_format", "region_code", "validity_years"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not RegisterSettings.objects.exists()

    def save_model(self, request: HttpRequest, obj: RegisterSettings, form: Any, change: bool) -> None:
        # The one row `RegisterSettings.current()` reads, whatever the table's id sequence says.
        obj.pk = POLICY_PK
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: RegisterSettings | None = None) -> bool:
        return False
