"""A signing service for tests: the reference service (`certificates.signers.service`) on
127.0.0.1 in a thread, holding the test run's signing key, with ways to misbehave."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.test import override_settings

from certificates.crypto import LocalSigner, signer_cache_clear
from certificates.keys import key_paths
from certificates.signers.service import Answer, SigningService, signing_server

KEY_ID = "portal-test"
SECRET = "test-secret-for-the-signing-service-0123456789"


class MisbehavingService(SigningService):
    """The reference service, with a fault switched on by the test: `delay` seconds before
    each answer, or another answer for the sign endpoint (`forged`)."""

    delay = 0.0
    forged: Answer | None = None

    def answer(self, *, endpoint: str, headers: Mapping[str, str], body: bytes, client: str) -> Answer:
        if self.delay:
            time.sleep(self.delay)
        answer = super().answer(endpoint=endpoint, headers=headers, body=body, client=client)
        if self.forged is not None and endpoint == "v1/sign" and answer.status == 200:
            return self.forged
        return answer


@contextmanager
def signing_service(**service_arguments: Any) -> Iterator[tuple[MisbehavingService, str]]:
    """The service with the run's key files (CERT_SIGNING_KEY/CERT_SIGNING_CERT as they are
    now) on a free loopback port: yields it and its URL; stops it afterwards."""
    paths = key_paths()
    signer = LocalSigner.from_files(key_path=paths.signing_key, certificate_path=paths.signing_certificate)
    service = MisbehavingService(signer=signer, key_id=KEY_ID, secret=SECRET, **service_arguments)
    server = signing_server(service=service, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield service, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def app_host_using(url: str, *, secret: str = SECRET, timeout: float = 5.0, nowhere: Path) -> Iterator[None]:
    """This process as an app host that signs through the service at `url`: no signing key or
    certificate file (the settings point into an empty folder)."""
    signer_cache_clear()
    with override_settings(
        CERT_SIGNER="certificates.signers.remote.http_signer",
        CERT_SIGNER_URL=url,
        CERT_SIGNER_KEY_ID=KEY_ID,
        CERT_SIGNER_SECRET=secret,
        CERT_SIGNER_TIMEOUT_SECONDS=timeout,
        CERT_SIGNING_KEY=nowhere / "issuer.key",
        CERT_SIGNING_CERT=nowhere / "issuer.pem",
    ):
        try:
            yield
        finally:
            signer_cache_clear()
