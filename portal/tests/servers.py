"""Stand-ins for the outside world in the fault tests: a Redis that refuses, one that hangs,
and a real Redis that can be stopped and started again."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


def free_port() -> int:
    """A port nothing listens on (connecting to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_settings(url: str) -> dict[str, object]:
    return {
        # As portal/settings.py with REDIS_URL: the public pages' answers (ADR 0030) there too.
        "CACHES": {
            "default": {"BACKEND": "lib.cache.FailSoftRedisCache", "LOCATION": url},
            "public": {"BACKEND": "lib.cache.FailSoftRedisCache", "LOCATION": url, "KEY_PREFIX": "public"},
        },
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
    }


@contextmanager
def hanging_server() -> Iterator[str]:
    """A server that accepts connections and never answers: a Redis that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)  # read nothing, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def _without_faketime(environ: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


class RedisServer:
    """A real redis-server on a free port, without persistence (Debian's redis-server)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: scripts/system-packages.sh test installs it")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed arguments)
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # A real server keeps real time: under `make test-dates` libfaketime is preloaded
            # into the test process, and redis-server does not start with it.
            env=_without_faketime(os.environ),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
