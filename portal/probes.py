"""/healthz, /readyz and /metrics: answered by a middleware near the top of the chain, before
anything checks the Host header or touches the session.

A load balancer probes each app server by its own address, and Prometheus scrapes it the same
way; neither address is in ALLOWED_HOSTS, and CommonMiddleware would answer 400
(DisallowedHost). None of the three sets a cookie or writes a session row."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from lib.metrics import CONTENT_TYPE, metrics_exposition
from lib.ratelimit import client_ip, ip_in_networks
from portal.health import readiness, ready

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> HttpResponse:
    """Alive: the process answers. Touches neither the database nor the cache, so that a
    database outage does not make the load balancer restart every app server at once."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


_last_ready: bool | None = None


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready: each dependency answers (portal/health.py); 503 when a critical one does not.

    Logged when this process's answer changes, not at every probe: a load balancer asking
    every few seconds during a Redis outage would otherwise bury the log."""
    global _last_ready
    checks = readiness()
    ok = ready(checks)
    if ok != _last_ready:
        if ok:
            logger.info("ready: every critical check passes")
        else:
            failing = "; ".join(f"{check.name}: {check.detail}" for check in checks if not check.ok)
            logger.warning("not ready: %s", failing)
        _last_ready = ok
    response = JsonResponse(
        {
            "status": "ok" if ok else "fail",
            "checks": {
                check.name: {
                    "ok": check.ok,
                    "detail": check.detail,
                    "ms": check.ms,
                    "critical": check.critical,
                }
                for check in checks
            },
        },
        status=200 if ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )
    # Django would log every 503 as an error of its own ("Service Unavailable: /readyz").
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def metrics_allowed(request: HttpRequest) -> bool:
    """From METRICS_ALLOWED_NETWORKS, or with the METRICS_TOKEN as a bearer token."""
    token = settings.METRICS_TOKEN
    authorization = request.headers.get("Authorization", "")
    if token and authorization.startswith("Bearer "):
        return hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode())
    return ip_in_networks(client_ip(request), settings.METRICS_ALLOWED_NETWORKS)


def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        # As if there were nothing here: a scan learns nothing about what we run.
        raise Http404("页面不存在")
    return HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics,
}


def is_probe(request: HttpRequest) -> bool:
    return request.path_info in PROBES


class ProbeMiddleware:
    """Answers the three probe paths itself; everything else goes down the chain."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        try:
            response = probe(request)
        except Http404:
            # Not Django's 404 page: that would render templates and may ask for the host.
            response = HttpResponse("Not Found", status=404, content_type="text/plain; charset=utf-8")
        # A probe's answer is about this moment: no proxy or browser is to keep it.
        response["Cache-Control"] = "no-store"
        return response
