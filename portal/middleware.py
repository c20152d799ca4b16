"""Request-wide middleware of the portal: the request id and the request log line with its
metrics, the Content-Security-Policy header on every response a browser shows as a page, the
refusal of an address or query holding a control character, and the answer to a file that
could not be stored."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from api.middleware import is_api_path
from lib.logs import REQUEST_ID_HEADER, request_id_make, request_id_set
from lib.metrics import request_observed
from lib.requesttext import request_text_refusal
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


class RequestIdMiddleware:
    """Gives each request an id (a sane incoming X-Request-ID, or a new one), for every log
    line written while it runs (lib/logs.py), for the tasks it enqueues (lib/taskqueue.py),
    and in the X-Request-ID response header, so that a user's report can be found in the logs.
    First in the chain, so that every answer carries it, probes and refusals included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_make(request.headers.get(REQUEST_ID_HEADER))
        # Left set until the request is finished (below), not only until this returns:
        # Django logs a 4xx or 5xx answer ("Not Found: ...") after the middleware is done.
        request_id_set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished)
def _request_id_clear(sender: object, **kwargs: object) -> None:
    # The server closed the response: what this thread logs or enqueues next is not this
    # request's.
    request_id_set(None)


_request_logger = logging.getLogger("portal.request")


def _view_label(request: HttpRequest) -> tuple[str, str]:
    """The URL name and route pattern of the answering view: never the path itself, which
    would put numbers and tokens into the metrics' labels and the logs."""
    match = request.resolver_match
    if match is not None:
        return match.view_name or "unnamed", match.route
    if request.path_info.startswith(settings.STATIC_URL):
        return "static", settings.STATIC_URL
    return "unmatched", "-"


class RequestLogMiddleware:
    """One log line and the request metrics per answered request (after the probes, which a
    load balancer sends every few seconds and which would drown the rest). The line holds the
    method, the route pattern, the status and the time: no query string, no personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        start = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - start
        view, route = _view_label(request)
        request_observed(view=view, method=request.method or "", status=response.status_code, seconds=seconds)
        ms = round(seconds * 1000, 1)
        _request_logger.info(
            "%s %s %d %.1fms",
            request.method,
            route,
            response.status_code,
            ms,
            extra={
                "method": request.method,
                "route": route,
                "view": view,
                "status": response.status_code,
                "ms": ms,
            },
        )
        return response


class RequestTextMiddleware:
    """A page's address or query with a control character (a `%00` in a search) gets the 400
    page (「请求无法处理」) before the session, a view or a query sees it (lib/requesttext.py
    says why: PostgreSQL answers a NUL with a server error). Under /api/ the API's own
    middleware refuses such a request, in JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_path(request.path_info):
            where = request_text_refusal(request)
            if where is not None:
                raise BadRequest(f"control character in the request's {where}")
        return self.get_response(request)


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
