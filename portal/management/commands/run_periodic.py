from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from certificates.services import certificate_copies_requeue_stale
from notifications.services import sms_requeue_stale

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "周期性维护任务：找回因工作进程中断而滞留的短信等（可在多台主机上同时运行，任务幂等）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
        parser.add_argument("--interval", type=float, default=60.0, help="两轮之间的秒数")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                requeued = sms_requeue_stale()
                if requeued:
                    logger.warning("re-queued %d stale SMS messages", requeued)
                copies = certificate_copies_requeue_stale()
                if copies:
                    logger.warning("re-queued %d certificate copies left by a dead worker", copies)
            except Exception:
                # One failed round must not stop the sweeps; the next round tries again.
                logger.exception("periodic round failed")
            if options["once"]:
                return
            # Like a request's end: drop a connection the database closed while we slept.
            close_old_connections()
            time.sleep(options["interval"])
