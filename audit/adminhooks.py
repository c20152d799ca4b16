"""The admin's side of the audit trail: every change made in the admin site and every read of
personal data there is a row.

Django's admin calls `log_addition` / `log_change` / `log_deletions` inside the change's own
transaction, after the object is saved (or just before it is deleted): the audit row is
written there, with the change message Django composed. `portal.admin_site.PortalAdminSite`
gives this class to every registered ModelAdmin, the packages' too, so none can forget it.

An admin class of a model that holds personal data derives from `AuditedAdmin` itself and
sets `audit_reads = True`: opening one of its objects, or its list, is then an ADMIN_READ
row, and `audit_subject` names the account whose data it is."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from audit.models import AuditAction
from audit.services import audit_record
from lib.masking import mask_id_number

SEARCH_PARAM = "q"  # django.contrib.admin.views.main.SEARCH_VAR

_M = TypeVar("_M", bound=Model)


class AuditedAdmin(admin.ModelAdmin[_M]):
    # Set on the admin classes of models that hold personal data.
    audit_reads: bool = False

    def audit_subject(self, obj: _M) -> int | None:
        """The account whose personal data `obj` is (None: nobody's, or not known here)."""
        return None

    def _audited(self, request: HttpRequest, action: AuditAction, obj: _M | None, **detail: Any) -> None:
        audit_record(
            action=action,
            request=request,
            obj=obj,
            label=str(obj)[:100] if obj is not None else str(self.model._meta.verbose_name_plural),
            subject_id=self.audit_subject(obj) if obj is not None else None,
            detail={"模型": self.model._meta.label, **detail},
        )

    def log_addition(self, request: HttpRequest, obj: _M, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        self._audited(request, AuditAction.ADMIN_CHANGE, obj, 操作="新增", 说明=str(message)[:500])
        return entry

    def log_change(self, request: HttpRequest, obj: _M, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        self._audited(request, AuditAction.ADMIN_CHANGE, obj, 操作="修改", 说明=str(message)[:500])
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # A queryset (the list's delete action) or a list of one (the delete page).
        objects: list[_M] = list(queryset)
        entries = super().log_deletions(request, queryset)
        for obj in objects:
            self._audited(request, AuditAction.ADMIN_CHANGE, obj, 操作="删除")
        return entries

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: _M | None = None,
    ) -> HttpResponse:
        # The page that shows one object: a read of its data (a POST that saves is a change,
        # recorded by log_change; one that is refused shows the same data again).
        if self.audit_reads and change and obj is not None and request.method == "GET":
            self._audited(request, AuditAction.ADMIN_READ, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if self.audit_reads and isinstance(response, TemplateResponse) and request.method == "GET":
            term = str(request.GET.get(SEARCH_PARAM, "")).strip()
            # What was searched, masked: the lists search by 证件号码 too.
            self._audited(
                request, AuditAction.ADMIN_READ, None, 列表=True, 检索=mask_id_number(term) if term else ""
            )
        return response
