"""The Content-Security-Policy header, on every response that a browser shows as a page; the
answer to a file that could not be stored."""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from lib.storage import StorageUnavailable

# Chromium shows a PDF through its built-in viewer, which a policy with object-src 'none'
# turns into a blank page. A PDF runs no script of ours and cannot be framed (X-Frame-Options),
# so it goes without the policy; what an uploaded PDF may contain is checked in lib/uploads.py.
_WITHOUT_POLICY = ("application/pdf",)


class PageCSPMiddleware(CSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in _WITHOUT_POLICY:
            response._csp_exempt = True  # type: ignore[attr-defined]
        return super().process_response(request, response)


class StorageUnavailableMiddleware:
    """A file that could not be saved (disk full, object storage unreachable; lib/storage.py)
    is answered with its Chinese message and HTTP 503, whichever view was writing it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, StorageUnavailable):
            return None
        referer = request.META.get("HTTP_REFERER", "")
        back = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) else ""
        response = render(
            request,
            "portal/storage_unavailable.html",
            {"message": exception.message, "back": back},
            status=503,
        )
        response["Retry-After"] = "60"
        return response
