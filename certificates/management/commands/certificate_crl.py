"""`certificate_crl`: the CA's certificate revocation list (CERT_CRL_FILE).

`--revoke SERIAL` adds a certificate (its serial number in hexadecimal, as `openssl x509
-serial` prints it) and signs the list again with the CA key (CERT_CA_KEY: the test CA of
`certificate_keys --create`, or wherever the CA's key is kept, never an app server); without
`--revoke` the list is renewed (a new thisUpdate and nextUpdate). `--fetch` instead fetches the
CA's published list from CERT_CRL_URL into CERT_CRL_FILE, as run_periodic does."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from certificates.crl import DEFAULT_DAYS, REASONS, CrlError, crl_fetch, crl_revoke
from certificates.crypto import CryptoError, private_key_load
from certificates.keys import ca_certificate_der, key_paths
from certificates.verify import moment


def _serial(text: str) -> int:
    cleaned = text.strip().lower().removeprefix("serial=").removeprefix("0x").replace(":", "")
    try:
        return int(cleaned, 16)
    except ValueError:
        raise CommandError(f"证书序列号应为十六进制（如 openssl x509 -serial 所示）：{text}") from None


class Command(BaseCommand):
    help = (
        "The CA's certificate revocation list in CERT_CRL_FILE: --revoke SERIAL (hexadecimal) adds a "
        "certificate and signs the list with the CA key; without it the list is renewed; --fetch gets "
        "the list published at CERT_CRL_URL instead."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--revoke", action="append", default=[], metavar="SERIAL", help="hex serial")
        parser.add_argument("--reason", default="unspecified", choices=sorted(REASONS))
        parser.add_argument("--at", help="revocation time, ISO 8601 (default: now)")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days until nextUpdate")
        parser.add_argument("--fetch", action="store_true", help="fetch CERT_CRL_URL into CERT_CRL_FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CERT_CRL_FILE:
            raise CommandError("未设置 CERT_CRL_FILE（证书吊销列表文件的路径）")
        path = Path(settings.CERT_CRL_FILE)
        now = timezone.now()
        if options["fetch"]:
            try:
                crl_fetch(ca_der=ca_certificate_der(), force=True)
            except CrlError as e:
                raise CommandError(f"未能获取证书吊销列表：{e}") from None
            self.stdout.write(f"已从 {settings.CERT_CRL_URL} 获取证书吊销列表，保存为 {path}")
            return
        revoked_at = now
        if options["at"]:
            try:
                revoked_at = datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"--at 应为 ISO 8601 时间：{options['at']}") from None
            if revoked_at.tzinfo is None:
                revoked_at = timezone.make_aware(revoked_at)
        serials = [_serial(text) for text in options["revoke"]]
        try:
            ca_key = private_key_load(key_paths().ca_key.read_bytes())
        except (OSError, CryptoError) as e:
            raise CommandError(f"无法读取根证书私钥 {key_paths().ca_key}（CERT_CA_KEY）：{e}") from None
        try:
            current = crl_revoke(
                ca_key=ca_key,
                ca_der=ca_certificate_der(),
                path=path,
                serials=serials,
                reason=options["reason"],
                revoked_at=revoked_at,
                now=now,
                days=options["days"],
            )
        except CrlError as e:
            raise CommandError(str(e)) from None
        for serial in serials:
            self.stdout.write(f"已吊销证书 {serial:X}（{REASONS[options['reason']]}，{moment(revoked_at)}）")
        next_update = moment(current.next_update) if current.next_update else "—"
        self.stdout.write(
            f"证书吊销列表 {path}：第 {current.number} 版，共 {len(current.revoked)} 个已吊销证书，"
            f"下次更新应在 {next_update} 前"
        )
