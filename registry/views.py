"""The register's pages: 本单位人员 for an enterprise (法人) account, read-only, and the public
注册人员查询. Each view reads through `registry.selectors` and renders; nothing here writes."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import UNVERIFIED_ENTERPRISE, request_user
from cases.selectors import confirmations_waiting_for_enterprise
from lib.http import private
from lib.ratelimit import LimitName, limit_refusal
from portal.sharedpages import shared_page
from registry import selectors
from registry.forms import RegisterQueryForm
from registry.models import RegisterSettings

PER_PAGE = 20
NOT_FOUND = selectors.PUBLIC_QUERY_NOT_FOUND
M = TypeVar("M", bound=Model)


def _page(request: HttpRequest, queryset: QuerySet[M], param: str) -> Page[M]:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get(param))


@login_required
@require_GET
def enterprise(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    company = selectors.enterprise_for_legal_user(user=user)
    today = timezone.localdate()
    registrations = _page(request, selectors.registrations_for_enterprise(user=user), "rpage")
    config = RegisterSettings.current()
    context = {
        "company": company,
        "registrations": registrations,
        "entries": [
            selectors.register_entry(registration=r, today=today, config=config) for r in registrations
        ],
        "cases": _page(request, selectors.cases_for_enterprise(user=user), "cpage"),
        # 单位确认 and 解聘确认 waiting for this enterprise (ADR 19), linked from its people.
        "confirmations_waiting": confirmations_waiting_for_enterprise(user=user).count(),
        # "Expiring soon" starts when the 延续注册 window opens (registry.renewal).
        "expiring_days": config.renewal_opens_days,
        "unverified": UNVERIFIED_ENTERPRISE,
    }
    return private(render(request, "registry/enterprise.html", context))


@require_http_methods(["GET", "POST"])
@shared_page
def query(request: HttpRequest) -> HttpResponse:
    # POST, so that a name and a number never land in an address bar, a history or a log.
    form = RegisterQueryForm(request.POST) if request.method == "POST" else RegisterQueryForm()
    context: dict[str, Any] = {"form": form}
    status = 200
    # Limited per 注册编号, per address and overall: the page needs no login and answers from
    # the register, so it must not serve to try out names and numbers in bulk.
    limited = (
        limit_refusal(LimitName.REGISTER_QUERY, request=request, subject=str(request.POST.get("number", "")))
        if request.method == "POST"
        else ""
    )
    if limited:
        typed = {name: request.POST.get(name, "") for name in ("name", "number")}
        context |= {"form": RegisterQueryForm(initial=typed), "limited": limited}
        status = 429
    elif form.is_bound and form.is_valid():
        data = form.cleaned_data
        registration = selectors.registration_for_public_query(name=data["name"], number=data["number"])
        if registration is None:
            context["not_found"] = NOT_FOUND
        else:
            # A fresh form: the page then shows the holder's name masked only, as typed nowhere.
            entry = selectors.register_entry(registration=registration, today=timezone.localdate())
            context |= {"entry": entry, "form": RegisterQueryForm()}
    return private(render(request, "registry/query.html", context, status=status))
