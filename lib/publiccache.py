"""Answers the public pages give anyone, kept in the shared cache under a version that every
change of what they show replaces (ADR 0030).

A version is a random string kept in the cache under a name (`registration:12`); an answer is
kept under a key that contains the version it was computed with. Replacing the version (by
deleting it: the next reader makes a new one) leaves every answer made under the old one
unread, in every process at once, without knowing their keys.

Why this is safe against a reader racing a writer: the reader takes the version *before* it
reads the database, and the writer drops it both at once and again after its transaction
commits. An answer computed from rows read before the commit is stored under a version that
the commit replaced; nobody reads it again.

The cache (the `public` alias: Redis with several hosts, files under VAR_DIR on one host, so
the web processes and the worker share it) is an optimisation: when it cannot answer,
`version_of` gives None and the caller computes the answer as if there were no cache."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import BaseCache, caches
from django.db import transaction
from django.http import HttpRequest

logger = logging.getLogger(__name__)

ALIAS = "public"
# A bound on any answer's life, for what changes without a service that replaces its version
# (a department renamed in the admin).
ANSWER_SECONDS = 10 * 60


def _cache() -> BaseCache:
    return caches[ALIAS]


def _version_key(name: str) -> str:
    return f"version:{name}"


def version_of(name: str) -> str | None:
    """The current version of `name`, made if there is none; None when the cache cannot answer
    (then compute without it)."""
    key = _version_key(name)
    try:
        cache = _cache()
        value = cache.get(key)
        if value is None:
            # Two readers at once may both add; one wins, and the other's answer, stored under
            # the losing version, is never read: harmless.
            cache.add(key, secrets.token_hex(8), timeout=None)
            value = cache.get(key)
    except Exception as error:  # a cache that fails costs speed, never the page
        logger.warning("public cache unavailable (%s: %s)", type(error).__name__, error)
        return None
    return value if isinstance(value, str) else None


def _forget(name: str) -> None:
    try:
        _cache().delete(_version_key(name))
    except Exception:
        # Bounded by ANSWER_SECONDS; a Redis outage remembers the key and deletes it on
        # recovery (lib/cache.py).
        logger.exception("public cache: version %s could not be replaced", name)


def version_replace(name: str) -> None:
    """What `name` shows has changed: answers made under its version are not read again. Now
    (for this transaction's own later reads) and once the transaction commits (for readers who
    took the old version while it ran); outside a transaction, once."""
    _forget(name)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _forget(name))


# Answers are kept under keys that hold their version, so what a key holds never changes: each
# process also keeps the latest few it read (about 20 KB a page), and a hit then reads only the
# version from the shared cache. Bounded, and cleared when full.
_LOCAL: dict[str, tuple[float, Any]] = {}
LOCAL_MAX = 256


# How long this process keeps an answer it read: a hit still reads the version from the
# shared cache, so this only bounds an answer whose version could not be replaced there.
LOCAL_SECONDS = 60


def _local_keep(key: str, value: Any, seconds: int) -> None:
    if len(_LOCAL) >= LOCAL_MAX:
        _LOCAL.clear()
    _LOCAL[key] = (time.monotonic() + seconds, value)


def answer_get(key: str) -> Any:
    """The answer kept under `key` (a key that contains a version), or None."""
    local = _LOCAL.get(key)
    if local is not None and local[0] > time.monotonic():
        return local[1]
    try:
        value = _cache().get(key)
    except Exception as error:
        logger.warning("public cache unavailable (%s: %s)", type(error).__name__, error)
        return None
    if value is not None:
        # What is left of its life in the shared cache is not known here: a short life in this
        # process keeps the bound of a missed replacement near ANSWER_SECONDS.
        _local_keep(key, value, LOCAL_SECONDS)
    return value


def answer_set(key: str, value: Any, *, seconds: int = ANSWER_SECONDS) -> None:
    _local_keep(key, value, min(seconds, LOCAL_SECONDS))
    try:
        _cache().set(key, value, timeout=seconds)
    except Exception as error:
        logger.warning("public cache unavailable (%s: %s)", type(error).__name__, error)


def local_answers_forget() -> None:
    """Forget what this process keeps (tests)."""
    _LOCAL.clear()


def visitor_like_any_other(request: HttpRequest) -> bool:
    """Whether the request gets what every visitor without an account gets, so that a page
    rendered for one may be kept for all: a GET with no session cookie (so not signed in, no
    messages kept there) and no message in a cookie."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )
