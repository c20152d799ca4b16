from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certificates.verify import verify_ofd


class Command(BaseCommand):
    help = (
        "Check the electronic seal of an OFD certificate file; exits non-zero when it is not valid. "
        "A zip container packed again around unchanged signed content is valid, with a note."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .ofd file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CommandError(f"无法读取 {path}：{e.strerror}") from None
        result = verify_ofd(data)
        if result.signer_subject:
            self.stdout.write(f"签章者：{result.signer_subject}")
        if result.seal_name:
            self.stdout.write(f"印章：{result.seal_name}")
        if result.signed_at is not None:
            self.stdout.write(f"签章时间：{timezone.localtime(result.signed_at):%Y-%m-%d %H:%M:%S}")
        if result.stamped_at is not None:
            tsa = f"（时间戳：{result.tsa_name}）" if result.tsa_name else ""
            self.stdout.write(f"可信时间：{timezone.localtime(result.stamped_at):%Y-%m-%d %H:%M:%S}{tsa}")
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"验证通过：{path} 的电子印章有效，签章所覆盖的内容未被修改。")
            )
            for note in result.notes:
                self.stdout.write(f"说明：{note}")
            return
        for problem in result.problems:
            self.stdout.write(f"- {problem}")
        for note in result.notes:
            self.stdout.write(f"说明：{note}")
        raise CommandError(f"验证未通过：{path} 的电子印章无效。")
