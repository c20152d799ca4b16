"""`certificate_keys`: the certificate key files of this host.

Making keys is an explicit act of the first host (`--create`): keys made on every host would
be as many CAs, and a certificate sealed on one host would fail verification on the others.
Every other host gets copies of the first host's files; without `--create` the command only
checks them (the same as `--check`) and, when some are missing, says to copy them. The CA's and
the seal maker's keys stay on the first host: the other hosts need neither."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates.crypto import signer_is_local
from certificates.keys import (
    LEGACY_SEAL_SUFFIX,
    key_files_missing,
    key_material_check,
    key_material_create,
    key_paths,
)

COPY_HINT = (
    "多台主机只在第一台主机上运行一次 `python manage.py certificate_keys --create`，"
    "然后把 CERT_KEY_DIR 中的文件原样复制到其他每一台主机（私钥权限 0600，属主为运行门户的用户），"
    "在每台主机上运行 `python manage.py certificate_keys --check`，核对各台打印的根证书指纹相同。"
    "根证书私钥（ca.key）和制章者的私钥与证书（maker.key、maker.pem）只留在第一台主机，不要复制。"
    "切勿在第二台主机上使用 --create：那会生成另一套根证书，其他主机签发的证书将无法通过核验。"
)


class Command(BaseCommand):
    help = (
        "Check this host's certificate key files (the CA certificate, the signing key and "
        "certificate, the seal and its maker's certificate, and their key usages) and print the "
        "fingerprints to compare between hosts; with --create, make the missing ones (first host "
        "or single host only; never overwrites, but makes again a seal the CA signed itself)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--create",
            action="store_true",
            help="first host only: make the test CA, signing key, seal maker and seal where missing",
        )
        mode.add_argument(
            "--check",
            action="store_true",
            help="check the files (the default) and print the fingerprints",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["create"] and not signer_is_local():
            raise CommandError(
                f"本机的签名器是 {settings.CERT_SIGNER}，私钥不在本机：不在这里生成密钥。"
                "测试密钥在签名主机上生成（该主机 CERT_SIGNER 为默认值），应用服务器只复制根证书和印章；"
                "见 docs/operations.md「签名适配器」。"
            )
        if options["create"]:
            created = key_material_create()
            for path in created:
                self.stdout.write(f"已生成 {path}")
            seal = key_paths().seal
            if str(seal.with_name(seal.name + LEGACY_SEAL_SUFFIX)) in created:
                self.stdout.write(
                    f"原电子印章由根证书直接签署（旧版本制作），已由新的制章者证书重新制作 {seal}，"
                    f"原文件保留为 {seal.name}{LEGACY_SEAL_SUFFIX}；已签发的证书仍可核验。"
                    "请把新的印章文件复制到其他每一台主机。"
                )
            if not created:
                self.stdout.write(f"电子证照密钥与印章已存在，未改动（{key_paths().seal.parent}）。")
        elif missing := key_files_missing():
            listed = "；".join(f"{path}（{setting}）" for path, setting in missing)
            raise CommandError(f"本机缺少电子证照密钥文件：{listed}。{COPY_HINT}")
        check = key_material_check()
        if check.problems:
            raise CommandError("电子证照密钥文件有误：" + "；".join(check.problems) + "。" + COPY_HINT)
        if signer_is_local():
            self.stdout.write(
                "电子证照密钥文件齐全，签名证书和制章者证书由根证书签发，私钥与证书配对，印章与证书一致，"
                "三个证书的密钥用法符合严格验证器的要求。"
            )
        else:
            self.stdout.write(
                f"签名器 {settings.CERT_SIGNER} 可用：它的签名证书和制章者证书由根证书签发，试签名通过验证，"
                "印章与证书一致，三个证书的密钥用法符合严格验证器的要求；本机不需要签名私钥。"
            )
        self.stdout.write(f"根证书 SHA-256 指纹：{check.ca_fingerprint}")
        self.stdout.write(f"签名证书 SHA-256 指纹：{check.signing_fingerprint}")
        self.stdout.write(f"制章者证书 SHA-256 指纹：{check.maker_fingerprint}")
        self.stdout.write(f"电子印章文件 SHA-256：{check.seal_sha256}")
        self.stdout.write("每台主机打印的这四行必须完全相同。")
