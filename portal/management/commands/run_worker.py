from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands import db_worker

from certificates import issuing
from lib import wakeup
from lib.dbretry import db_retrying
from lib.memory import malloc_tune

logger = logging.getLogger(__name__)


class WakeableClock:
    """Stands in for the `time` module inside django-tasks' db_worker, whose loop sleeps with
    `time.sleep(interval)` when the queue is empty: here that sleep ends as soon as a task is
    queued (lib/wakeup.py, ADR 0037), the interval staying as the safety net. The listener is
    opened before the worker first reads the queue, so no task queued meanwhile is missed."""

    def __init__(self) -> None:
        self.listener: wakeup.listen | None = None

    def open(self) -> None:
        try:
            self.listener = wakeup.listen(wakeup.TASKS_CHANNEL, lasting=True)
        except Exception:
            logger.warning("task wake-ups unavailable, polling only", exc_info=True)
            self.listener = None

    def sleep(self, seconds: float) -> None:
        if self.listener is None:
            self.open()
        if self.listener is None:
            time.sleep(seconds)
            return
        try:
            self.listener.wait(seconds)
        except Exception:
            logger.warning("task wake-up listener failed, reopening", exc_info=True)
            self.close()
            time.sleep(seconds)

    def close(self) -> None:
        if self.listener is not None:
            try:
                self.listener.close()
            finally:
                self.listener = None

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class Command(BaseCommand):
    help = "后台工作进程：预先载入证书字体和签章密钥，然后从数据库队列领取并执行任务（短信、加注等）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="队列为空时最迟多久查看一次（秒）；新任务入队时会立即唤醒工作进程，这只是兜底",
        )
        parser.add_argument("--batch", action="store_true", help="执行完队列中的任务后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        # Freed buffers of the copies and PDFs it makes go back to the system (lib/memory.py).
        malloc_tune()
        # The certificate fonts' arrays and the glyphs of a typical copy (read from the host's
        # font store, ADR 0035) and the signing key: paid once at start, not in the first
        # holder's 加注 (ADR 0036).
        issuing.warm_up()
        clock = WakeableClock()
        clock.open()
        original = db_worker.time  # type: ignore[attr-defined]
        db_worker.time = clock  # type: ignore[attr-defined,assignment]
        # A locked SQLite file or a dropped PostgreSQL connection ends db_worker's loop with an
        # OperationalError: start it again after a pause rather than die. A task that was
        # running is left RUNNING and handed out again by run_periodic (stale task rows).
        try:
            db_retrying(
                lambda: call_command(
                    "db_worker",
                    interval=options["interval"],
                    queue_name="*",
                    batch=options["batch"],
                    startup_delay=not options["batch"],
                    reload=False,
                ),
                what="worker",
            )
        finally:
            db_worker.time = original  # type: ignore[attr-defined]
            clock.close()
