from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from certificates.ofd import fonts


class Command(BaseCommand):
    help = "后台工作进程：预先载入证书字体，然后从数据库队列领取并执行任务（短信、加注等）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=0.2,
            help="队列为空时多久查看一次（秒）；加注从点击到可下载的时间取决于它",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Opening the certificate fonts takes a quarter of a second: pay it once at start,
        # not in the first holder's 加注.
        fonts.preload()
        call_command("db_worker", interval=options["interval"], queue_name="*")
