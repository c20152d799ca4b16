from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from catalog import selectors as catalog_selectors
from notifications.selectors import inbox_list_for_user, inbox_message_get_for_user
from notifications.services import inbox_message_mark_read
from portal.display import DisplayMode, display_mode_remember


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


@require_POST
def display_mode(request: HttpRequest) -> HttpResponse:
    """The header's 「关怀版」/「标准版」 switch: a plain form, so it works without JavaScript;
    back to the page it was pressed on, never to another site."""
    value = request.POST.get("mode", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("portal:home")
    response = redirect(back)
    if value in DisplayMode.values:
        display_mode_remember(response=response, mode=DisplayMode(value), secure=settings.SECURE_COOKIES)
    return response
