"""The 注册公告's pages: the public list (searchable, paginated), each batch as a page and as a
PDF; and the 科室负责人's page, where he prepares a draft, previews it and publishes it. Each
view: form → selector → one service → render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import request_user
from bulletins import selectors, services
from bulletins.forms import BulletinSearchForm
from bulletins.models import BulletinStatus
from lib.errors import ApplicationError
from lib.http import private
from paperwork.pdf import pdf_response_headers

PER_PAGE = 20
# Entries found by a search, shown under the batches they are in.
ENTRIES_SHOWN = 50
# A published batch never changes: its PDF may be kept by browsers and shared caches.
PDF_CACHE_CONTROL = "public, max-age=86400"


# --- the public ------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = BulletinSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.bulletins_public(query=query), PER_PAGE).get_page(request.GET.get("page"))
    entries = list(selectors.entries_public_matching(query=query)[: ENTRIES_SHOWN + 1]) if query else []
    context = {
        "form": form,
        "search": query,
        "page": page,
        "entries": entries[:ENTRIES_SHOWN],
        "more_entries": len(entries) > ENTRIES_SHOWN,
    }
    return render(request, "bulletins/index.html", context, status=200 if form.is_valid() else 400)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get_public(pk=pk)
    return render(request, "bulletins/detail.html", {"bulletin": bulletin, "entries": bulletin.entries.all()})


@require_GET
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get_public(pk=pk)
    content = services.bulletin_pdf(bulletin=bulletin)
    response = HttpResponse(content, headers=pdf_response_headers(f"{bulletin.number}.pdf", inline=True))
    response["Cache-Control"] = PDF_CACHE_CONTROL
    return response


# --- the 科室负责人 -----------------------------------------------------------------------------


@login_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    department_id = selectors.leader_department_id(user=user)
    published = Paginator(selectors.bulletins_published_for_leader(user=user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "draft": selectors.bulletin_draft_for_leader(user=user),
        # Pending and in no draft: a draft's decisions are not pending until it is refreshed.
        "pending": selectors.changes_pending(department_id=department_id).count(),
        "published": published,
    }
    return private(render(request, "bulletins/manage.html", context))


@login_required
@require_POST
def prepare(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    selectors.leader_department_id(user=user)
    try:
        draft = services.bulletin_draft_prepare(user=user)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("bulletins:manage")
    messages.success(request, f"已生成公告草稿（{draft.entries.count()}条），请核对后发布")
    return redirect("bulletins:draft", pk=draft.pk)


@login_required
@require_GET
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get_for_leader(user=request_user(request), pk=pk)
    if bulletin.status == BulletinStatus.PUBLISHED:
        return redirect("bulletins:detail", pk=bulletin.pk)
    context = {"bulletin": bulletin, "entries": bulletin.entries.all()}
    return private(render(request, "bulletins/draft.html", context))


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    bulletin = selectors.bulletin_get_for_leader(user=user, pk=pk)
    try:
        published = services.bulletin_publish(user=user, bulletin=bulletin, request=request)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("bulletins:draft", pk=bulletin.pk)
    messages.success(request, f"已发布{published.number}")
    return redirect("bulletins:detail", pk=published.pk)


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    bulletin = selectors.bulletin_get_for_leader(user=user, pk=pk)
    try:
        services.bulletin_draft_discard(user=user, bulletin=bulletin)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已删除公告草稿，其中的注册决定将编入下一期公告")
    return redirect("bulletins:manage")
