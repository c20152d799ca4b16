"""The Content-Security-Policy header, on every response that a browser shows as a page."""

from __future__ import annotations

from csp.middleware import CSPMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase

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
