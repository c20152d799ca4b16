from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.services import ArchiveError, audit_rows_archive


class Command(BaseCommand):
    help = (
        "将超过 AUDIT_RETENTION_DAYS 天的审计记录写入归档文件（audit-archive/），读回校验无误后"
        "登记归档并从表中删除；中途中断不丢失也不重复记录"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        moved = 0
        try:
            while (archive := audit_rows_archive()) is not None:
                moved += archive.count
                self.stdout.write(
                    f"已归档 {archive.name}：第 {archive.first_id}–{archive.last_id} 条，"
                    f"共 {archive.count} 条"
                )
        except ArchiveError as error:
            raise CommandError(str(error)) from error
        if not moved:
            self.stdout.write(f"没有超过 {settings.AUDIT_RETENTION_DAYS} 天的审计记录需要归档")
