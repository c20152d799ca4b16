"""The shared cache (Redis) as an optimisation that may fail: an outage costs speed, not pages.

Django's RedisCache waits up to 5 s for a Redis that hangs and raises when it is down, so a
Redis outage would answer 500 on every page that reads the session. `FailSoftRedisCache`
instead:

- gives Redis `CACHE_TIMEOUT_SECONDS` to connect and to answer, with no retries;
- after a failure, leaves Redis alone for `CACHE_RETRY_SECONDS` (a circuit breaker, shared by
  the threads of a process) and answers as an empty cache would: `get` gives the default,
  `set` and `delete` do nothing, `add` is false; one WARNING in the log per outage;
- remembers the keys it could not write or delete meanwhile and deletes them from Redis before
  anything else once Redis answers again, so that a session ended (or changed) during the
  outage is not read back from Redis afterwards. Too many such keys, and the whole cache is
  cleared instead.

Sessions (`cached_db`) then read and write the database, rate limits let requests through
(lib/ratelimit.py) and the daily jobs run anyway (run_periodic). `incr` and `decr` raise
`CacheUnavailable` rather than invent a number."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Beyond this many keys missed during one outage, clearing the cache is cheaper than the list.
DIRTY_KEYS_MAX = 10_000


class CacheUnavailable(Exception):
    """The shared cache cannot answer now (raised only where no harmless default exists)."""


def _outage_errors() -> tuple[type[BaseException], ...]:
    import redis.exceptions

    # OSError covers a refused or reset socket that redis-py did not wrap.
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


@dataclass
class _Breaker:
    """The state of one Redis location in this process, shared by all its threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    open_until: float = 0.0  # time.monotonic() before which Redis is not tried
    down: bool = False  # an outage is on (open, or trying again after one)
    dirty: set[str] = field(default_factory=set)  # made keys whose Redis value may be stale
    overflow: bool = False  # too many dirty keys: clear everything on recovery


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


def cache_breakers_reset() -> None:
    """Forget every outage (tests)."""
    with _breakers_lock:
        _breakers.clear()


def cache_is_down() -> bool:
    """Whether the default cache is a fail-soft cache in an outage right now."""
    backend = caches["default"]
    return isinstance(backend, FailSoftRedisCache) and backend.is_down()


class FailSoftRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        timeout = float(getattr(settings, "CACHE_TIMEOUT_SECONDS", 0.3))
        options = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            # redis-py retries three times with a growing pause by default: seconds of waiting
            # per request while Redis is away. The breaker decides when to try again instead.
            "retry": Retry(NoBackoff(), 0),
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server
        self._retry_seconds = float(getattr(settings, "CACHE_RETRY_SECONDS", 30))

    # --- the breaker ---------------------------------------------------------------------

    def is_down(self) -> bool:
        return _breaker(self._location).down

    def _mark_dirty(self, breaker: _Breaker, keys: Iterable[str]) -> None:
        """`keys` are made keys (prefix and version), as Redis knows them."""
        with breaker.lock:
            if breaker.overflow:
                return
            breaker.dirty.update(keys)
            if len(breaker.dirty) > DIRTY_KEYS_MAX:
                breaker.dirty.clear()
                breaker.overflow = True

    def _trip(self, breaker: _Breaker, error: BaseException) -> None:
        with breaker.lock:
            first = not breaker.down
            breaker.down = True
            breaker.open_until = time.monotonic() + self._retry_seconds
        if first:
            logger.warning(
                "cache unavailable (%s: %s): working without it, trying again every %ss",
                type(error).__name__,
                error,
                self._retry_seconds,
            )

    def _recover(self, breaker: _Breaker) -> None:
        """Before the first use after an outage: drop what may have gone stale in Redis."""
        with breaker.lock:
            dirty, overflow = list(breaker.dirty), breaker.overflow
        client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
        if overflow:
            client.flushdb()
        elif dirty:
            client.delete(*dirty)
        with breaker.lock:
            breaker.dirty.difference_update(dirty)
            breaker.overflow = False
            breaker.down = False
        logger.warning(
            "cache available again (%d stale keys dropped%s)", len(dirty), ", cleared" if overflow else ""
        )

    def _call(self, operation: Callable[[], T], default: T, *, writes: Iterable[str] = ()) -> T:
        breaker = _breaker(self._location)
        if breaker.down and time.monotonic() < breaker.open_until:
            self._mark_dirty(breaker, writes)
            return default
        try:
            if breaker.down:
                self._recover(breaker)
            return operation()
        except _outage_errors() as error:
            self._trip(breaker, error)
            self._mark_dirty(breaker, writes)
            return default

    def _strict(self, operation: Callable[[], T], key: str) -> T:
        breaker = _breaker(self._location)
        if breaker.down and time.monotonic() < breaker.open_until:
            raise CacheUnavailable("the cache is unavailable")
        try:
            if breaker.down:
                self._recover(breaker)
            return operation()
        except _outage_errors() as error:
            self._trip(breaker, error)
            self._mark_dirty(breaker, [self.make_key(key)])
            raise CacheUnavailable("the cache is unavailable") from error

    # --- the cache API -------------------------------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(lambda: super(FailSoftRedisCache, self).get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(
            lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version),
            None,
            writes=[self.make_key(key, version)],
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda: super(FailSoftRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            lambda: super(FailSoftRedisCache, self).delete(key, version),
            False,
            writes=[self.make_key(key, version)],
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._call(lambda: super(FailSoftRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: super(FailSoftRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._strict(lambda: super(FailSoftRedisCache, self).incr(key, delta, version), key)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        keys = list(data)
        return self._call(
            lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version),
            keys,
            writes=[self.make_key(key, version) for key in keys],
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._call(
            lambda: super(FailSoftRedisCache, self).delete_many(keys, version),
            None,
            writes=[self.make_key(key, version) for key in keys],
        )

    def clear(self) -> None:
        breaker = _breaker(self._location)
        self._call(lambda: super(FailSoftRedisCache, self).clear(), None)
        if breaker.down:
            with breaker.lock:
                breaker.overflow = True
