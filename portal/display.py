"""关怀版 (elder mode): one set of pages shown larger, calmer and clearer, as 工信部's
《互联网网站适老化通用设计规范》 asks. The choice is kept in a cookie, not in the session or the
account, so it holds before logging in, after logging out and on the next visit, and the
server reads it to paint the first page right (a class on <html>: no flash of small text)."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest, HttpResponse

COOKIE_NAME = "display_mode"
# A year: older people should not have to find the switch again every month.
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


class DisplayMode(models.TextChoices):
    STANDARD = "standard", "标准版"
    CARE = "care", "关怀版"


def display_mode_of(request: HttpRequest) -> DisplayMode:
    value = request.COOKIES.get(COOKIE_NAME, "")
    return DisplayMode(value) if value in DisplayMode.values else DisplayMode.STANDARD


def display_mode_remember(*, response: HttpResponse, mode: DisplayMode, secure: bool) -> None:
    """Keep the choice on this browser. It holds no secret, but it is HttpOnly all the same:
    no script needs it, the server paints the page from it."""
    response.set_cookie(
        COOKIE_NAME,
        mode.value,
        max_age=COOKIE_MAX_AGE,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
