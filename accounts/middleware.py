"""Request-wide rules for signed-in users: where the admin can be reached from, and how long
a login lasts however busy the session is kept."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.decorators import LOGIN_EXPIRED, login_expired_json, wants_json
from lib.ratelimit import client_ip

# The session key holding the time of the login, as a POSIX timestamp.
LOGIN_AT_SESSION_KEY = "_login_at"
# The session key holding when the session's idle timeout was last renewed (POSIX timestamp).
RENEWED_AT_SESSION_KEY = "_renewed_at"


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
    clicking: the idle timeout alone would let a stolen session live for ever.

    A script's fetch (autosave, keep-alive) gets the 401 JSON of login_required_json rather
    than a redirect to the login page, which it would read as a broken answer; the message
    stays stored for the next page the browser shows, the login page."""

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
                if wants_json(request):
                    return login_expired_json(session_lifetime_message())
                query = {"kind": kind} if kind else {}
                back = login_return_path(request)
                if back:
                    query["next"] = back
                return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode(query, safe='/')}")
        return self.get_response(request)


def session_renew_seconds() -> int:
    """How stale the idle timeout's renewal may grow before a request writes it again: a
    minute, or a tenth of a short idle timeout (a test's)."""
    return min(60, settings.SESSION_COOKIE_AGE // 10)


def session_idle_seconds() -> int:
    """The idle time a page may count on after its request (static/js/session.js): the
    session may have been renewed up to `session_renew_seconds` before that request, so the
    page warns and gives up no later than the server ends the login."""
    return settings.SESSION_COOKIE_AGE - session_renew_seconds()


class SessionRenewMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE from the last activity): a request renews the
    session when its last renewal is older than `session_renew_seconds`, not at every request
    (SESSION_SAVE_EVERY_REQUEST, an UPDATE of the session row on every click, 保存并提交's
    included: ISSUE 14). The login therefore ends between SESSION_COOKIE_AGE minus a minute
    and SESSION_COOKIE_AGE after the last request, never later; the page is told the shorter
    (`session_idle_seconds`). A session written for another reason is renewed by that write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        # No cookie, no session to renew (and none is made here).
        if session.session_key is not None:
            renewed_at = session.get(RENEWED_AT_SESSION_KEY)
            now = timezone.now().timestamp()
            fresh = isinstance(renewed_at, int | float) and 0 <= now - renewed_at < session_renew_seconds()
            # Loading a session that ended (or never was) left no key: nothing to renew either.
            if session.session_key is not None and not fresh:
                session[RENEWED_AT_SESSION_KEY] = now
        response = self.get_response(request)
        if request.session.modified and request.session.session_key is not None:
            # Any write renews the idle timeout (the session's expiry is set when it is saved).
            request.session[RENEWED_AT_SESSION_KEY] = timezone.now().timestamp()
        return response


def login_return_path(request: HttpRequest) -> str | None:
    """Where to come back to after logging in again: the page asked for, or, for a POST (a
    save, an upload, a submission), the page it was sent from: a POST-only address opened
    after the login would answer 405 and what was typed would look lost."""
    if request.method in ("GET", "HEAD"):
        return str(request.get_full_path())
    referer = str(request.META.get("HTTP_REFERER", ""))
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def session_expired(request: HttpRequest) -> bool:
    """The browser sent a session cookie the server no longer knows: the login ran out (an
    empty session's cookie is deleted at once, so this holds only on the first request after)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.session_key is None


class LoginRedirectMiddleware:
    """A page that needs a login (`login_required`) sends an anonymous visitor to the login
    page. This says why there, 「登录已超时，请重新登录」 or 「请先登录」, and after a POST points
    `next` at the page the form was on rather than at the POST-only address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 302 or request.user.is_authenticated:
            return response
        login_path = reverse(settings.LOGIN_URL)
        target = urlsplit(response["Location"])
        asked = parse_qs(target.query).get("next", [])
        if target.path != login_path or asked != [request.get_full_path()]:
            return response  # not the redirect of login_required
        if session_expired(request):
            messages.warning(request, LOGIN_EXPIRED)
        else:
            messages.info(request, "请先登录")
        back = login_return_path(request)
        # Quoted as Django's own redirect_to_login does: the slashes stay readable.
        return HttpResponseRedirect(
            f"{login_path}?{urlencode({'next': back}, safe='/')}" if back else login_path
        )


def session_login_age(request: HttpRequest) -> float | None:
    """Seconds since this session's login (what an irreversible step of an account without a
    password, such as 注销账号, takes as proof that its holder is at the keyboard), or None
    when the session does not know."""
    login_at = request.session.get(LOGIN_AT_SESSION_KEY)
    if not isinstance(login_at, int | float):
        return None
    return timezone.now().timestamp() - login_at


def session_login_started(request: HttpRequest) -> None:
    """Start the absolute lifetime and the idle timeout: called by the login view right after
    auth_login (the login's own write renews the idle timeout, the next click need not)."""
    now = timezone.now().timestamp()
    request.session[LOGIN_AT_SESSION_KEY] = now
    request.session[RENEWED_AT_SESSION_KEY] = now
