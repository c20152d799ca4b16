"""`certificate_keys`: the certificate key files of this host.

Making keys is an explicit act of the first host (`--create`): keys made on every host would
be as many CAs, and a certificate sealed on one host would fail verification on the others.
Every other host gets copies of the first host's files; without `--create` the command only
checks them (the same as `--check`) and, when some are missing, says to copy them."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from certificates.keys import key_files_missing, key_material_check, key_material_create, key_paths

COPY_HINT = (
    "多台主机只在第一台主机上运行一次 `python manage.py certificate_keys --create`，"
    "然后把 CERT_KEY_DIR 中的文件原样复制到其他每一台主机（私钥权限 0600，属主为运行门户的用户），"
    "在每台主机上运行 `python manage.py certificate_keys --check`，核对各台打印的根证书指纹相同。"
    "切勿在第二台主机上使用 --create：那会生成另一套根证书，其他主机签发的证书将无法通过核验。"
)


class Command(BaseCommand):
    help = (
        "Check this host's certificate key files (the CA certificate, the signing key and "
        "certificate, the seal) and print the CA fingerprint to compare between hosts; with "
        "--create, make the missing ones (first host or single host only; never overwrites)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--create",
            action="store_true",
            help="first host only: make the test CA, signing key and seal where missing",
        )
        mode.add_argument(
            "--check",
            action="store_true",
            help="check the files (the default) and print the fingerprints",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["create"]:
            created = key_material_create()
            for path in created:
                self.stdout.write(f"已生成 {path}")
            if not created:
                self.stdout.write(f"电子证照密钥与印章已存在，未改动（{key_paths().seal.parent}）。")
        elif missing := key_files_missing():
            listed = "；".join(f"{path}（{setting}）" for path, setting in missing)
            raise CommandError(f"本机缺少电子证照密钥文件：{listed}。{COPY_HINT}")
        check = key_material_check()
        if check.problems:
            raise CommandError("电子证照密钥文件有误：" + "；".join(check.problems) + "。" + COPY_HINT)
        self.stdout.write("电子证照密钥文件齐全，签名证书由根证书签发，私钥与证书配对，印章与证书一致。")
        self.stdout.write(f"根证书 SHA-256 指纹：{check.ca_fingerprint}")
        self.stdout.write(f"签名证书 SHA-256 指纹：{check.signing_fingerprint}")
        self.stdout.write(f"电子印章文件 SHA-256：{check.seal_sha256}")
        self.stdout.write("每台主机打印的这三行必须完全相同。")
