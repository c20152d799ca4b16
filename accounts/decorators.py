"""Access rules for endpoints that scripts call (autosave, keep-alive), which must answer
JSON: a login page in answer to a fetch would be read as success, or shown nowhere."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

LOGIN_EXPIRED = "登录已超时，请重新登录"

V = TypeVar("V", bound=Callable[..., HttpResponse])


def wants_json(request: HttpRequest) -> bool:
    """A script's fetch that asked for JSON (autosave, keep-alive, an upload), not a page the
    browser navigates to: a browser's own Accept prefers text/html."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def login_expired_json(message: str = LOGIN_EXPIRED) -> JsonResponse:
    """The 401 a script gets when its login has ended: the message to show and where to log in."""
    return JsonResponse({"ok": False, "message": message, "login_url": reverse("accounts:login")}, status=401)


def login_required_json(view: V) -> V:
    """401 with a Chinese message and the login page's address when nobody is logged in
    (an idle or absolute timeout, a logout in another tab): the page keeps what was typed
    and tells the user, instead of following a redirect to the login page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return login_expired_json()
        return view(request, *args, **kwargs)

    return cast(V, wrapped)
