from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.jobs import audit_verify_run
from audit.verify import archive_find, archive_verify


class Command(BaseCommand):
    help = (
        "校验审计记录链：从最后一个归档的末条起逐条核对到链末端，报告第一条被修改、删除或插入的记录；"
        "--archive 校验一个归档文件（SM3、文件内的链和首尾）。有问题时以非零状态退出"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--archive",
            metavar="FILE",
            help="要校验的归档文件：存储中的名称（audit-archive/…）或从存储中取出的本地文件",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["archive"]:
            self._archive(options["archive"])
            return
        report = audit_verify_run(label="手动校验")
        if not report.ok:
            raise CommandError(report.message())
        self.stdout.write(report.message())

    def _archive(self, name: str) -> None:
        archive = archive_find(name)
        if archive is None:
            raise CommandError(f"没有名为 {name} 的审计归档登记")
        local = Path(name)

        def open_local() -> IO[bytes]:
            return local.open("rb")

        report = archive_verify(archive=archive, open_file=open_local if local.is_file() else None)
        if not report.ok:
            raise CommandError(report.message())
        self.stdout.write(
            f"归档文件完整：{archive.name}，第 {archive.first_id}–{archive.last_id} 条，共 {report.count} 条"
        )
