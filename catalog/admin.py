"""The admin edits reference data only: departments, 事项 with their 办事指南, 办理项 and
materials, and the holiday calendar. Applications and decisions never go through it."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from catalog.answers import catalogue_answers_replace
from catalog.calendar import calendar_changed
from catalog.models import (
    CalendarDay,
    CalendarSource,
    CalendarYear,
    Department,
    Material,
    Matter,
    ServiceItem,
)
from catalog.services import matter_index_refresh

M = TypeVar("M", bound=Model)


class VersionedAdmin(admin.ModelAdmin[M]):
    """An admin page of data that answers are kept under a version of: every way it writes
    (the form, its inlines, the list's editable column, deleting one or several) calls
    `changed`, which replaces that version, so what was kept is not read again."""

    def changed(self) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: M, form: ModelForm[M], change: bool) -> None:
        super().save_model(request, obj, form, change)
        self.changed()

    def save_related(self, request: HttpRequest, form: ModelForm[M], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self.changed()

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        super().delete_model(request, obj)
        self.changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[M]) -> None:
        super().delete_queryset(request, queryset)
        self.changed()


class CatalogueAdmin(VersionedAdmin[M]):
    """An admin page of what the public pages show (departments, 事项, 办理项, materials): the
    kept public pages and the 办理项's materials show an edit at once (ADR 0030, addendum)."""

    def changed(self) -> None:
        catalogue_answers_replace()


@admin.register(Department)
class DepartmentAdmin(CatalogueAdmin[Department]):
    list_display = ("name", "short_name", "code", "uscc", "phone", "order")
    list_editable = ("order",)
    search_fields = ("name", "short_name", "code")


class ServiceItemInline(admin.TabularInline[ServiceItem, Matter]):
    model = ServiceItem
    # The time limits of one 办理项, when they differ from the 事项's (issue 17).
    fields = ("code", "name", "description", "accept_days", "promised_days", "order")
    extra = 0
    show_change_link = True


@admin.register(Matter)
class MatterAdmin(CatalogueAdmin[Matter]):
    list_display = ("name", "department", "code", "promised_days", "online", "order")
    list_filter = ("department", "online")
    search_fields = ("name", "aliases", "code", "department__name")
    readonly_fields = ("search_text",)
    inlines = (ServiceItemInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "department",
                    "code",
                    "name",
                    "aliases",
                    "search_text",
                    "summary",
                    "online",
                    "order",
                )
            },
        ),
        (
            "办事指南",
            {
                "fields": (
                    "basis",
                    "conditions",
                    "process",
                    "legal_days",
                    "accept_days",
                    "promised_days",
                    "employer_confirm_days",
                    "release_silence_days",
                    "fee",
                    "phone",
                    "result",
                    "delivery",
                    "location",
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Matter, form: ModelForm[Matter], change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The search reads only the derived text, so it must follow every edit of the
        # name or the aliases.
        matter_index_refresh(matter=obj)


class MaterialInline(admin.TabularInline[Material, ServiceItem]):
    model = Material
    fields = (
        "code",
        "name",
        "required",
        "kind",
        "sealed_by_employer",
        "notes",
        "commitment_allowed",
        "order",
    )
    extra = 0
    # The commitment text is long: it is edited on the material's own page.
    show_change_link = True


@admin.register(Material)
class MaterialAdmin(CatalogueAdmin[Material]):
    """A material with its 告知承诺 settings (ADR 20): whether the form offers the commitment,
    its text (an edit is a new version; commitments already made keep the text they accepted)
    and how many working days staff have to verify it after the grant."""

    list_display = ("name", "item", "code", "required", "commitment_allowed")
    list_filter = ("commitment_allowed", "item__matter")
    search_fields = ("name", "code", "item__name")
    readonly_fields = ("commitment_version",)
    fieldsets = (
        (None, {"fields": ("item", "code", "name", "required", "kind", "notes", "order")}),
        (
            "告知承诺",
            {
                "fields": (
                    "commitment_allowed",
                    "commitment_text",
                    "commitment_version",
                    "commitment_check_days",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Material]:
        return super().get_queryset(request).select_related("item__matter")

    @admin.display(description="承诺书版本")
    def commitment_version(self, obj: Material) -> str:
        return obj.commitment_version if obj.commitment_text else "—"


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogueAdmin[ServiceItem]):
    list_display = ("name", "matter", "code", "material_count", "order")
    list_filter = ("matter__department", "matter")
    search_fields = ("name", "code", "matter__name")
    inlines = (MaterialInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceItem]:
        return super().get_queryset(request).select_related("matter")

    @admin.display(description="材料数")
    def material_count(self, obj: ServiceItem) -> int:
        return obj.materials.count()


WEEKDAYS = "一二三四五六日"


@admin.register(CalendarDay)
class CalendarDayAdmin(VersionedAdmin[CalendarDay]):
    """Every change replaces the calendar's version: the limits kept under it (`workday_add`)
    are computed again from the next request on, in every process."""

    list_display = ("day", "weekday", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "day"
    search_fields = ("note",)
    ordering = ("-day",)

    def changed(self) -> None:
        calendar_changed()

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return f"星期{WEEKDAYS[obj.day.weekday()]}"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    """Seeded years are read-only. An administrator adds a year here after entering its
    holidays and 调休, which ends the staff warning for it; deleting one is not offered,
    because the next seed would then write the package's data over the corrections."""

    list_display = ("year", "source", "seeded_at")
    fields = ("year",)

    def has_change_permission(self, request: HttpRequest, obj: CalendarYear | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CalendarYear | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CalendarYear, form: ModelForm[CalendarYear], change: bool
    ) -> None:
        obj.source = CalendarSource.ADMIN
        super().save_model(request, obj, form, change)
