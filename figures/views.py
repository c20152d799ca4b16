"""The 科室负责人's statistics page (统计分析) and its CSV and XLSX exports: the period form →
the figures of his department (`figures.selectors`) → the tables (`figures.tables`). Each
export is an 导出 row on the audit trail (the issue asks every export audited)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from figures.exports import figures_csv, figures_xlsx
from figures.forms import PeriodForm
from figures.selectors import Figures, figures_for, may_read_figures
from figures.tables import figures_tables

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _figures(request: HttpRequest) -> tuple[PeriodForm, Figures]:
    user = request.user
    if not isinstance(user, User) or not may_read_figures(user):
        raise PermissionDenied("统计分析仅供科室负责人查看")
    form = PeriodForm(request.GET or None, today=timezone.localdate())
    return form, figures_for(user=user, period=form.period)


def _exported(request: HttpRequest, figures: Figures, *, what: str) -> None:
    # Counts and rates of the department only, no person in them: no subject.
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        obj=figures.department,
        label=f"统计分析 {figures.period.label}"[:100],
        detail={"格式": what, "统计期间": figures.period.label, "内容": "汇总数字，不含个人信息"},
    )


def _attachment(body: bytes, *, content_type: str, figures: Figures, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    # RFC 5987 for the Chinese name; the period keeps two exports apart.
    header = content_disposition_header(
        as_attachment=True, filename=f"统计分析_{figures.period.slug}.{extension}"
    )
    assert header is not None, "always set for an attachment"
    response["Content-Disposition"] = header
    return response


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    form, figures = _figures(request)
    return render(
        request,
        "figures/page.html",
        {
            "form": form,
            "figures": figures,
            "tables": figures_tables(figures),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    _, figures = _figures(request)
    _exported(request, figures, what="CSV")
    return _attachment(
        figures_csv(figures), content_type="text/csv; charset=utf-8", figures=figures, extension="csv"
    )


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    _, figures = _figures(request)
    _exported(request, figures, what="XLSX")
    return _attachment(figures_xlsx(figures), content_type=XLSX, figures=figures, extension="xlsx")
