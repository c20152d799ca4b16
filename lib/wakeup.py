"""Wake-ups between processes (ADR 0037): a process that is waiting for something to change
(the task worker for a queued task, a 加注 page for its copy) listens on a channel; whoever
makes the change sends on that channel once its transaction commits, and the listener wakes at
once instead of at its next poll.

A wake-up carries nothing and may be lost (a process restarting, Redis down): every listener
still polls, more slowly, as the safety net, and always re-reads the database after waking.

Three carriers, chosen by what the deployment has:
- PostgreSQL: LISTEN/NOTIFY. `pg_notify` is sent inside the caller's transaction, so PostgreSQL
  delivers it exactly when (and only if) the transaction commits.
- Redis (REDIS_URL, with SQLite): pub/sub, published after the commit.
- Neither (SQLite on one host): a UNIX datagram socket per listener under VAR_DIR/wake, one
  empty datagram sent to each after the commit."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import select
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

# The channel of the task queue: lib.taskqueue.enqueue sends on it, run_worker listens.
TASKS_CHANNEL = "tasks"
# How long a sender waits for Redis before giving up on the wake-up (the poll still finds it).
REDIS_TIMEOUT_SECONDS = 0.3


def carrier() -> str:
    """Which carrier this process uses: "postgresql", "redis" or "local"."""
    if connection.vendor == "postgresql":
        return "postgresql"
    if settings.REDIS_URL:
        return "redis"
    return "local"


def _checked(channel: str) -> str:
    # Channel names become PostgreSQL identifiers and file names: keep them plain.
    plain = all(c.isascii() and (c.isalnum() or c == "_") for c in channel)
    if not channel or not plain or len(channel) > 50:
        raise ValueError(f"bad wake-up channel {channel!r}")
    return channel


def wake_send(channel: str) -> None:
    """Wake every listener of `channel` when the current transaction commits (at once outside
    one). Never raises for a carrier that fails: the listeners' polls are the safety net."""
    channel = _checked(channel)
    kind = carrier()
    if kind == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [channel])
        return
    transaction.on_commit(lambda: _send_now(kind, channel))


def _send_now(kind: str, channel: str) -> None:
    try:
        if kind == "redis":
            _redis_client().publish(f"wake:{channel}", b"")
        else:
            _local_send(channel)
    except Exception:
        logger.warning("wake-up on %s not sent", channel, exc_info=True)


class Listener(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until a wake-up arrives on the channel (True) or `timeout` seconds pass
        (False). Wake-ups sent since the listener was opened are not lost."""

    def close(self) -> None: ...


class listen:
    """Open a listener on `channel`: from now on no wake-up is missed. Open it, then read the
    database, then wait: a change made between the read and the wait still wakes it. `lasting`:
    for a process that listens for its whole life rather than during one request."""

    def __init__(self, channel: str, *, lasting: bool = False) -> None:
        channel = _checked(channel)
        kind = carrier()
        self.listener: Listener
        if kind == "postgresql":
            # A request's short wait borrows Django's connection, already open; a listener that
            # lasts (the worker's) has one of its own, which Django never closes under it.
            own = lasting or connection.in_atomic_block
            self.listener = _PgListener(channel) if own else _PgBorrowedListener(channel)
        elif kind == "redis":
            self.listener = _RedisListener(channel)
        else:
            self.listener = _LocalListener(channel)

    def wait(self, timeout: float) -> bool:
        return self.listener.wait(timeout)

    def close(self) -> None:
        self.listener.close()

    def __enter__(self) -> listen:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_wait(conn: Any, timeout: float) -> bool:
    woken = False
    for _ in conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
        woken = True
    if woken:
        # Several wake-ups since the last wait count as one: take those already here.
        for _ in conn.notifies(timeout=0):
            pass
    return woken


class _PgListener:
    """A connection of its own in autocommit, LISTENing: Django's connection may be inside a
    transaction, where LISTEN would only start at the commit."""

    def __init__(self, channel: str) -> None:
        import psycopg

        params: dict[str, Any] = dict(connection.get_connection_params())
        for name in ("cursor_factory", "server_side_binding", "prepare_threshold", "context"):
            params.pop(name, None)
        self.conn = psycopg.connect(**params, autocommit=True)
        self.conn.execute(f'LISTEN "{channel}"')

    def wait(self, timeout: float) -> bool:
        return _pg_wait(self.conn, timeout)

    def close(self) -> None:
        self.conn.close()


class _PgBorrowedListener:
    """LISTEN on Django's own connection (in autocommit, so it takes effect at once) for the
    length of one request: no connection to open. UNLISTEN at the end, and what arrived
    meanwhile is dropped, so that nothing wakes the next user of the connection."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        with connection.cursor() as cursor:
            cursor.execute(f'LISTEN "{channel}"')
        self.conn: Any = connection.connection

    def wait(self, timeout: float) -> bool:
        return _pg_wait(self.conn, timeout)

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'UNLISTEN "{self.channel}"')
        for _ in self.conn.notifies(timeout=0):
            pass


# --- Redis --------------------------------------------------------------------------------


def _redis_client(*, read_timeout: float | None = REDIS_TIMEOUT_SECONDS) -> Any:
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=read_timeout, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


class _RedisListener:
    def __init__(self, channel: str) -> None:
        # No read timeout: a subscriber waits as long as its caller asks.
        self.client = _redis_client(read_timeout=None)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(f"wake:{channel}")

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self.pubsub.get_message(timeout=remaining) is not None:
                return True

    def close(self) -> None:
        self.pubsub.close()
        self.client.close()


# --- One host, no Redis -------------------------------------------------------------------


def _local_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "wake"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _local_send(channel: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in _local_dir().glob(f"{channel}.*.sock"):
            try:
                sender.sendto(b"", str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                # Its listener died without removing it.
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            except BlockingIOError:
                pass  # its queue is full: it has wake-ups waiting already


class _LocalListener:
    def __init__(self, channel: str) -> None:
        self.path = _local_dir() / f"{channel}.{os.getpid()}.{secrets.token_hex(4)}.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.setblocking(False)

    def wait(self, timeout: float) -> bool:
        readable, _, _ = select.select([self.sock], [], [], max(timeout, 0.0))
        if not readable:
            return False
        # Several wake-ups since the last wait count as one: empty the queue.
        with contextlib.suppress(BlockingIOError):
            while True:
                self.sock.recv(1)
        return True

    def close(self) -> None:
        self.sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
