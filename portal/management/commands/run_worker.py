from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from certificates import issuing
from lib.dbretry import db_retrying
from lib.memory import malloc_tune


class Command(BaseCommand):
    help = "后台工作进程：预先载入证书字体和签章密钥，然后从数据库队列领取并执行任务（短信、加注等）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=0.2,
            help="队列为空时多久查看一次（秒）；加注从点击到可下载的时间取决于它",
        )
        parser.add_argument("--batch", action="store_true", help="执行完队列中的任务后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        # Freed buffers of the copies and PDFs it makes go back to the system (lib/memory.py).
        malloc_tune()
        # The certificate fonts' arrays and the glyphs of a typical copy (read from the host's
        # font store, ADR 0035) and the signing key: paid once at start, not in the first
        # holder's 加注 (ADR 0036).
        issuing.warm_up()
        # A locked SQLite file or a dropped PostgreSQL connection ends db_worker's loop with an
        # OperationalError: start it again after a pause rather than die. A task that was
        # running is left RUNNING and handed out again by run_periodic (stale task rows).
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
