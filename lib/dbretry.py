"""Transient database errors in the long-running processes (worker, periodic sweeps).

A web request that meets a locked SQLite file or a dropped PostgreSQL connection fails alone;
the worker and `run_periodic` run for weeks, and one such error must not end them (and, under
`make run`, the portal with them). `db_retrying` runs a loop body again after a transient error,
with a growing pause, having closed the broken connections first."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 30.0
# A body that ran this long before failing starts again from the first, short pause.
HEALTHY_SECONDS = 60.0


def db_error_is_transient(error: BaseException) -> bool:
    """A database error that waiting (and a new connection) can cure: a locked SQLite file, a
    PostgreSQL connection dropped or refused. A missing table or a bad query is not one."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    if connections["default"].vendor == "postgresql":
        # psycopg's OperationalError is about the connection or the server: terminated,
        # restarting, refused, too many clients (a bad query raises ProgrammingError).
        return True
    # SQLite: another process holds the file ("database is locked", "database table is
    # locked"), or the disk hiccupped; "no such table" and the like are not transient.
    message = str(error).lower()
    return "locked" in message or "disk i/o error" in message


def db_connections_drop() -> None:
    """Close every connection of this thread, so that the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:
            logger.debug("closing a broken connection failed", exc_info=True)


def db_retrying(
    body: Callable[[], T],
    *,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    max_delay: float = MAX_DELAY_SECONDS,
) -> T:
    """Run `body` until it returns; after a transient database error, drop the connections,
    wait (0.5 s, 1 s, 2 s … up to `max_delay`) and run it again. Other errors are raised."""
    delay = FIRST_DELAY_SECONDS
    while True:
        started = time.monotonic()
        try:
            return body()
        except (OperationalError, InterfaceError) as error:
            if not db_error_is_transient(error):
                raise
            if time.monotonic() - started > HEALTHY_SECONDS:
                delay = FIRST_DELAY_SECONDS
            logger.warning("%s: database unavailable (%s), trying again in %.1f s", what, error, delay)
            db_connections_drop()
            sleep(delay)
            delay = min(delay * 2, max_delay)
