"""The 审计管理员's page: search the audit trail by person, staff member, object, time and
action. Only the 审计管理员 may open it (anyone else: 404, as for a page that does not exist),
and every search is itself a row of the trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import account_ids_for_audit, request_user, staff_ids_for_audit
from audit.forms import AuditSearchForm
from audit.models import AuditAction, AuditEvent, AuditResult
from audit.selectors import audit_search
from audit.services import audit_record
from lib.http import private

PER_PAGE = 20


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user.is_auditor:
        raise Http404("页面不存在")
    form = AuditSearchForm(request.GET or None)
    rows = AuditEvent.objects.none()
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        since, until = form.time_range() if form.is_bound else (None, None)
        rows = audit_search(
            subject_ids=account_ids_for_audit(text=data["person"]) if data.get("person") else None,
            actor_ids=staff_ids_for_audit(text=data["staff"]) if data.get("staff") else None,
            case_number=data.get("case_number", ""),
            object_type=data.get("object_type", ""),
            object_id=data.get("object_id", ""),
            since=since,
            until=until,
            action=data.get("action", ""),
        )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before this search joins the trail
    audit_record(
        action=AuditAction.AUDIT_SEARCH,
        request=request,
        label=f"第 {page.number} 页",
        detail=form.criteria() if form.is_bound and form.is_valid() else {},
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "Results": AuditResult}
    return private(render(request, "audit/search.html", context))
