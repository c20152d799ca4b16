"""`manage.py rotate_data_key`: re-encrypt every personal-data value that is not under the
current data key (the first of DATA_KEY), batch by batch, each batch its own transaction.

Without downtime: every host first runs with the new key first in DATA_KEY and the old one
after it (new values are written under the new key, old ones still read), then this command
runs once, on one host; interrupted, it is simply run again and goes on with what is left.
Then `--check` says 0 and the old key can leave DATA_KEY (docs/operations.md 个人信息加密).

Each run (not `--check`, which only counts) leaves one KEY_ROTATE row on the audit trail,
its result a failure when rows were left under another key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from audit.models import AuditAction, AuditResult
from audit.services import audit_record
from lib.datacrypt import current_key_id
from lib.encrypted import models_with_encrypted_fields, rows_rotate_batch, rows_stale_count


class Command(BaseCommand):
    help = "用当前数据密钥（DATA_KEY 的第一个）重新加密所有个人信息字段；可中断后重新运行继续"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="每批（每个事务）处理的行数，默认500")
        parser.add_argument(
            "--check", action="store_true", help="只统计尚未使用当前密钥的行数；有未完成的则以状态1退出"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size 须为正整数")
        current = current_key_id()
        models = models_with_encrypted_fields()
        pending = {model: rows_stale_count(model, connection) for model in models}
        total = sum(pending.values())
        if options["check"]:
            for model, count in pending.items():
                self.stdout.write(
                    f"{model._meta.label}（{model._meta.verbose_name}）：{count} 行未使用当前密钥"
                )
            if total:
                raise CommandError(f"共 {total} 行尚未使用当前密钥 {current}，请运行 rotate_data_key")
            self.stdout.write(self.style.SUCCESS(f"全部个人信息均已使用当前密钥 {current} 加密"))
            return
        self.stdout.write(f"当前密钥 {current}：共 {total} 行需要重新加密，每批 {batch_size} 行")
        done_total = 0
        for model, count in pending.items():
            if not count:
                continue
            done, after = 0, None
            while True:
                with transaction.atomic():
                    after, rows = rows_rotate_batch(model, connection, after=after, batch_size=batch_size)
                if not rows:
                    break
                done += rows
                done_total += rows
                self.stdout.write(
                    f"{model._meta.label}（{model._meta.verbose_name}）：已完成 {done}/{count} 行"
                    f"（全部 {done_total}/{total}）"
                )
        left = sum(rows_stale_count(model, connection) for model in models)
        # Run by an operator on a server: no account, the command named instead.
        audit_record(
            action=AuditAction.KEY_ROTATE,
            label=f"数据密钥 {current}",
            result=AuditResult.FAILURE if left else AuditResult.SUCCESS,
            detail={
                "命令": "rotate_data_key",
                "当前密钥": current,
                "重新加密行数": done_total,
                "未完成行数": left,
            },
        )
        if left:
            # Rows written meanwhile by a host still encrypting under the old key.
            raise CommandError(f"仍有 {left} 行未使用当前密钥：请确认所有主机已更新 DATA_KEY 后再次运行")
        self.stdout.write(self.style.SUCCESS(f"完成：{done_total} 行已改用密钥 {current} 加密"))
