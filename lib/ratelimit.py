"""Rate limits for the public pages (certificate file check, 注册人员查询), counted in the
shared cache so that every app process on every host counts alike (Redis on several hosts)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address a limit is counted against. REMOTE_ADDR only: X-Forwarded-For is typed by
    the client, so trusting it would let anyone pick a fresh address for every request. Behind
    a load balancer, the proxy (or the WSGI server's forwarded-allow setting) must put the
    client's address in REMOTE_ADDR, or every visitor shares the proxy's one count."""
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_allow(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one more event under `key`; True while at most `limit` fell in the window.

    The window is fixed: it starts with the first event and lasts `window_seconds`. add and
    incr are each atomic in the cache (Redis INCR, a lock in local memory), so concurrent
    requests on any number of processes never lose a count, which a get then set would."""
    cache_key = f"ratelimit:{key}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this event opens a new window
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    return count <= limit
