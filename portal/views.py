from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from catalog import selectors as catalog_selectors
from notifications.selectors import inbox_list_for_user, inbox_message_get_for_user
from notifications.services import inbox_message_mark_read


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


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """站内消息: the same news as the SMS, kept in the portal."""
    user: User = request.user  # type: ignore[assignment]  # login_required
    page = Paginator(inbox_list_for_user(user=user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login_required
    message = inbox_message_get_for_user(user=user, pk=pk)
    inbox_message_mark_read(message=message)
    return redirect(message.link or "portal:inbox")
