from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from catalog import selectors as catalog_selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "departments": catalog_selectors.department_list(),
            "featured": catalog_selectors.matter_featured(),
        },
    )


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/help.html")


def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer: the process answers and its database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
