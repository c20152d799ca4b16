from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
)
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token
from django.views.decorators.http import require_POST

from accounts.models import User
from catalog import selectors as catalog_selectors
from notifications.selectors import inbox_list_for_user, inbox_message_get_for_user
from notifications.services import inbox_message_mark_read
from portal.context_processors import site_contacts
from portal.display import DisplayMode, display_mode_remember
from portal.sharedpages import shared_page

logger = logging.getLogger(__name__)


@shared_page
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


# --- error pages (portal/urls.py handler400 / handler500, settings.CSRF_FAILURE_VIEW) ---------
# 403 and 404 are Django's own views with templates/403.html and 404.html in the portal's
# layout. 400 and 500 are rendered without the request: a 500 may come from the database or a
# context processor, and a 400 from a Host the site does not answer to, so their page needs
# neither (templates/errors/standalone.html).


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseBadRequest(loader.render_to_string("400.html", site_contacts()))


# When even the page fails (a host where `collectstatic` was not run has no static manifest, so
# the stylesheet's URL cannot be made), this says the same, plainly.
PLAIN_500 = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>系统暂时无法处理</title>'
    "</head><body><h1>抱歉，系统暂时无法处理您的请求</h1><p>您的操作可能没有完成，请稍后重试。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        page: str = loader.render_to_string("500.html", site_contacts())
    except Exception:
        logger.exception("the 500 page could not be rendered")
        page = PLAIN_500
    return HttpResponseServerError(page)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page shown before the session ended (or another tab logged out):
    say so in words a person understands, and offer the page they came from."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("portal:home")
    return render(request, "403_csrf.html", {"back": back}, status=403)


# No CSRF check: the switch sets a display preference in a cookie, nothing of the account; a
# forged post could only enlarge someone's text. Pages kept rendered for every visitor (the
# verification page, ADR 0030) then need no token of their own.
@csrf_exempt
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
