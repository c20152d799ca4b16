"""Request-wide rules for signed-in users: where the admin can be reached from, and how long
a login lasts however busy the session is kept."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from lib.ratelimit import client_ip

# The session key holding the time of the login, as a POSIX timestamp.
LOGIN_AT_SESSION_KEY = "_login_at"


def admin_network_allowed(address: str) -> bool:
    """Whether a client address lies in ADMIN_ALLOWED_NETWORKS. An address that does not
    parse (an empty REMOTE_ADDR) is refused."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    # An IPv4 client seen through an IPv6 socket arrives as ::ffff:a.b.c.d.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # A handful of networks, checked by settings.py at start-up: parsing them here is cheap.
    networks = (ipaddress.ip_network(n, strict=False) for n in settings.ADMIN_ALLOWED_NETWORKS)
    return any(ip in network for network in networks)


class AdminNetworkMiddleware:
    """/admin/ exists only for the office networks: from anywhere else it answers 404, so a
    scan of the internet does not even learn that there is an admin to guess passwords at."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(reverse("admin:index")) and not admin_network_allowed(
            client_ip(request)
        ):
            raise Http404("页面不存在")
        return self.get_response(request)


def session_lifetime_message() -> str:
    seconds = settings.SESSION_ABSOLUTE_SECONDS
    span = f"{seconds // 3600}小时" if seconds % 3600 == 0 else f"{max(seconds // 60, 1)}分钟"
    return f"登录已超过{span}，请重新登录"


class SessionLifetimeMiddleware:
    """Ends a login SESSION_ABSOLUTE_SECONDS after it began, even while the user keeps
    clicking: the idle timeout alone would let a stolen session live for ever."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            login_at = request.session.get(LOGIN_AT_SESSION_KEY)
            if not isinstance(login_at, int | float):
                # A session from before this rule, or made without the login page (force_login):
                # its lifetime starts now.
                request.session[LOGIN_AT_SESSION_KEY] = now
            elif now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                kind = getattr(request.user, "kind", "")
                logout(request)
                messages.warning(request, session_lifetime_message())
                query = {"kind": kind} if kind else {}
                if request.method == "GET":
                    query["next"] = request.get_full_path()
                return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode(query)}")
        return self.get_response(request)


def session_login_started(request: HttpRequest) -> None:
    """Start the absolute lifetime: called by the login view right after auth_login."""
    request.session[LOGIN_AT_SESSION_KEY] = timezone.now().timestamp()
