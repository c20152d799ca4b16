"""The URLconf `make bench` runs the public pages with: the portal's own, plus one bare view that
the benchmark measures beside them in the same run (issue 14's reference: what the whole
middleware stack costs with a view that does nothing). Never the site's ROOT_URLCONF."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler400, handler500
from portal.urls import urlpatterns as portal_urlpatterns

BARE_PATH = "/bench/bare/"


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


__all__ = ["handler400", "handler500", "urlpatterns"]

urlpatterns = [path(BARE_PATH.strip("/") + "/", bare, name="bench_bare"), *portal_urlpatterns]
