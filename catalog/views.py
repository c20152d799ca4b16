"""Public catalogue pages: search, 部门, 办事指南, and the 开始申请 step."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from catalog import selectors
from catalog.search import normalize_query
from portal.sharedpages import shared_page

# Long enough for any 事项 name; a longer "query" is not someone searching.
MAX_QUERY_LENGTH = 100


@shared_page
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    searched = bool(normalize_query(query))
    return render(
        request,
        "catalog/search.html",
        {
            "query": query,
            "searched": searched,
            "results": selectors.matter_search(query=query) if searched else [],
            "featured": selectors.matter_featured(),
        },
    )


def departments(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/departments.html", {"departments": selectors.department_list()})


def department(request: HttpRequest, code: str) -> HttpResponse:
    department = selectors.department_get(code=code)
    matters = selectors.matter_list_for_department(department=department)
    return render(request, "catalog/department.html", {"department": department, "matters": matters})


@shared_page
def guide(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "catalog/guide.html", {"matter": selectors.matter_get(code=code)})


@login_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    # Any signed-in account may look: an enterprise or staff member checking what an
    # applicant will be asked for is as welcome as the applicant.
    matter = selectors.matter_get(code=code)
    items = list(matter.items.all()[:2])
    if matter.online and len(items) == 1 and getattr(request.user, "is_person", False):
        # Nothing to choose (遗失补办): the manual's 「开始申请」 goes straight to the form.
        return redirect("cases:start", item_pk=items[0].pk)
    return render(request, "catalog/apply.html", {"matter": matter})
