from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backup import BackupError, backup_restore, database_read_check


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_create into this installation's empty database and "
        "MEDIA_ROOT, after checking its manifest; or, with --check, read every row and look for "
        "every file of the current database (run it after migrate and audit_verify)."
    )
    # The system checks must not open (and so create) the SQLite file before it is restored.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--from", dest="source", type=Path, help="the folder backup_create made")
        what.add_argument(
            "--check",
            action="store_true",
            help="do not restore: read every row (decrypting) and look for every file",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            self.check_data()
            return
        source: Path = options["source"]
        try:
            manifest = backup_restore(source=source)
        except BackupError as e:
            raise CommandError(f"未恢复：{e}") from None
        except OSError as e:
            raise CommandError(f"恢复失败：{e}") from None
        self.stdout.write(f"清单核对无误：{', '.join(f['name'] for f in manifest['files'])}")
        if "bucket" in manifest:
            self.stdout.write(f"附件和证书文件不在本备份中：请从桶 {manifest['bucket']} 的备份恢复。")
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复 {manifest['created_at']} 的备份。"
                "接着运行 migrate、audit_verify 和 backup_restore --check。"
            )
        )

    def check_data(self) -> None:
        result = database_read_check()
        for problem in result.unreadable:
            self.stdout.write(f"- 读不出：{problem}")
        for name in result.missing_files[:20]:
            self.stdout.write(f"- 缺少文件：{name}")
        if result.unreadable or result.missing_files:
            raise CommandError(
                f"数据检查未通过：{len(result.unreadable)} 张表读不出（密钥是否与备份时相同？），"
                f"缺少 {len(result.missing_files)} 个文件。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"数据检查通过：{result.tables} 张表共 {result.rows} 行全部读出，{result.files} 个文件都在。"
            )
        )
