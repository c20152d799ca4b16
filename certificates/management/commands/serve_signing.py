"""`serve_signing`: the reference signing service (docs/signing.md) on the one host that holds
the authority's signing key, for the app hosts configured with
`CERT_SIGNER=certificates.signers.remote.http_signer`.

It signs with the key files of this host (CERT_SIGNING_KEY, CERT_SIGNING_CERT) and accepts
requests authenticated with CERT_SIGNER_KEY_ID / CERT_SIGNER_SECRET. Run it under systemd on an
isolated host, reachable only from the app hosts; give it a TLS certificate (--tls-cert,
--tls-key) where the network between them is not trusted."""

from __future__ import annotations

import ssl
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from certificates.crypto import local_signer
from certificates.keys import fingerprint
from certificates.signers.service import SigningService, signing_server


class Command(BaseCommand):
    help = (
        "Run the signing service (docs/signing.md) with this host's signing key: the app hosts "
        "send SM3(Z||M) values and get SM2 signatures. Binds 127.0.0.1:8700 unless told otherwise."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8700, help="port (default 8700)")
        parser.add_argument("--tls-cert", type=Path, help="PEM certificate chain for HTTPS")
        parser.add_argument("--tls-key", type=Path, help="PEM private key for HTTPS")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            signer = local_signer()
            service = SigningService(
                signer=signer, key_id=settings.CERT_SIGNER_KEY_ID, secret=settings.CERT_SIGNER_SECRET
            )
        except (ImproperlyConfigured, ValueError) as e:
            raise CommandError(str(e)) from None
        try:
            server = signing_server(service=service, host=options["host"], port=options["port"])
        except OSError as e:
            raise CommandError(f"无法监听 {options['host']}:{options['port']}：{e.strerror}") from None
        scheme = "http"
        if options["tls_cert"] or options["tls_key"]:
            if not (options["tls_cert"] and options["tls_key"]):
                raise CommandError("--tls-cert 和 --tls-key 须同时给出")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(options["tls_cert"], options["tls_key"])
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme = "https"
        host, port = str(server.server_address[0]), server.server_address[1]
        self.stdout.write(
            f"签名服务已启动：{scheme}://{host}:{port}/（客户端标识 {settings.CERT_SIGNER_KEY_ID}）"
        )
        self.stdout.write(f"签章者证书 SHA-256 指纹：{fingerprint(signer.certificate_der)}")
        if scheme == "http" and host not in ("127.0.0.1", "::1", "localhost"):
            self.stdout.write("提示：未启用 TLS。请只在隔离的内部网络上这样运行，或加 --tls-cert/--tls-key。")
        self.stdout.flush()  # the first line tells a supervisor (or a test) the address
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
