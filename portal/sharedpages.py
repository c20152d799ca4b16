"""Pages every visitor without an account sees alike (首页, 事项搜索, 办事指南, 注册人员查询),
rendered once and kept in the shared cache under the catalogue's version (ADR 0030, addendum).

Only for "a visitor like any other" (`lib.publiccache.visitor_like_any_other`: a GET with no
session cookie, so not signed in and nothing kept for them, and no message waiting in a
cookie); anyone else, a signed-in user above all, gets the page rendered for them, as before,
so no one's name or menu can be kept. The key holds the release, the catalogue's version
(replaced by every admin edit and every seed, `catalog/answers.py`), the display mode
(标准版/关怀版) and the whole address with its query (the header's 关怀版 switch repeats
it). A page is kept only when
rendering it left nothing of this visitor behind: status 200, nobody signed in, no cookie
set, no session written, no message added, no CSP nonce and no CSRF token used.

The one per-visitor part such a page may hold is the CSRF token of a POST form (注册人员查询):
it is rendered as a random mark (`portal.context_processors.site` puts it in the context as
`csrf_token`) and each answer replaces the mark with this visitor's own token."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers

from catalog.answers import catalogue_answers_version
from certificates.verification import PageHoles, release
from lib.publiccache import answer_get, answer_set, visitor_like_any_other
from portal.context_processors import CSRF_MARK_ATTRIBUTE
from portal.display import display_mode_of

# An address longer than this (a search pasted with half a page) is answered, not kept.
MAX_KEPT_PATH = 300


@dataclass(frozen=True)
class KeptPage:
    """A rendered answer: its body (with `csrf_mark` where a form that posts has its token),
    status and headers."""

    html: str
    csrf_mark: str
    status: int
    headers: tuple[tuple[str, str], ...]

    def response(self, request: HttpRequest) -> HttpResponse:
        html = self.html
        if self.csrf_mark in html:
            html = html.replace(self.csrf_mark, get_token(request))
        response = HttpResponse(html, status=self.status)
        for name, value in self.headers:
            response[name] = value
        return response


def _left_nothing_behind(request: HttpRequest, response: HttpResponseBase) -> bool:
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not (user is not None and user.is_authenticated)
        and isinstance(response, HttpResponse)
        and not response.cookies
        and not (session is not None and session.modified)
        and len(get_messages(request)) == 0
        and getattr(request, "_csp_nonce", None) is None
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _key(request: HttpRequest, version: str) -> str:
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{release()}:{version}:{display_mode_of(request).value}:{address}"


V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def shared_page(view: V) -> V:
    """Answer a visitor like any other from the kept page, or keep the page rendered now."""

    @functools.wraps(view)
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        version = None
        if visitor_like_any_other(request) and len(request.get_full_path()) <= MAX_KEPT_PATH:
            version = catalogue_answers_version()
        if version is None:
            response = view(request, *args, **kwargs)
        else:
            key = _key(request, version)
            kept = answer_get(key)
            if not isinstance(kept, KeptPage):
                mark = PageHoles.mark()
                setattr(request, CSRF_MARK_ATTRIBUTE, mark)
                rendered = view(request, *args, **kwargs)
                if not _left_nothing_behind(request, rendered):
                    return _varied(_mark_filled(request, rendered, mark))
                made = cast(HttpResponse, rendered)
                kept = KeptPage(
                    made.content.decode(made.charset), mark, made.status_code, tuple(made.items())
                )
                answer_set(key, kept)
            response = kept.response(request)
        return _varied(response)

    return cast(V, answer)


def _mark_filled(request: HttpRequest, response: HttpResponseBase, mark: str) -> HttpResponseBase:
    """A page rendered with the mark but not kept (a 404, a redirect, a message): its own
    visitor's token in place of the mark."""
    if isinstance(response, HttpResponse) and mark.encode() in response.content:
        response.content = response.content.replace(mark.encode(), get_token(request).encode())
    return response


def _varied(response: HttpResponseBase) -> HttpResponseBase:
    # The page differs by cookie (signed in, 关怀版), whichever way it was made.
    patch_vary_headers(response, ("Cookie",))
    return response
