from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup, or pg_dump -Fc) and the local files of "
        "MEDIA_ROOT into a new folder, with a manifest of SHA-256 and SM3 digests. Keys are not "
        "included: keep them apart (docs/operations.md「备份与恢复」)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, required=True, help="a new (or empty) folder for this backup")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["to"]
        try:
            manifest = backup_create(to=folder)
        except BackupError as e:
            raise CommandError(f"备份失败：{e}") from None
        except OSError as e:
            raise CommandError(f"备份失败：{e}") from None
        for item in manifest["files"]:
            self.stdout.write(f"{item['name']}  {item['size']} 字节  SM3 {item['sm3']}")
        if "bucket" in manifest:
            self.stdout.write(
                f"附件和证书文件在对象存储桶 {manifest['bucket']} 中，不在本备份内："
                "请用桶的版本控制和 aws s3 sync / mc mirror 备份（见运维手册「备份与恢复」）。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{folder}。密钥（portal.env、CERT_KEY_DIR）不在备份中，请另行保管。"
            )
        )
