"""Relying parties and signed requests in tests: the caller's side of api/signing.py, written
from the rules (not by calling the server's functions), so that a test of a signature checks
the two against each other."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from api.models import ApiScope, RelyingParty
from api.services import relying_party_create
from portal.test import BaseTestCase

BOTH = (ApiScope.CERTIFICATE_VERIFY, ApiScope.REGISTER_READ)


def _enc(text: str, safe: str = "") -> str:
    return quote(text, safe="-_.~" + safe)


def sign(
    *,
    app_key: str,
    secret: str,
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    body: bytes = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers of a signed request."""
    timestamp_text = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    canonical_query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted((query or {}).items()))
    text = "\n".join(
        [
            method,
            _enc(path, "/"),
            canonical_query,
            app_key,
            timestamp_text,
            nonce,
            hashlib.new("sm3", body).hexdigest(),
        ]
    )
    signature = hmac.new(secret.encode(), text.encode(), "sm3").hexdigest()
    return {
        "X-Api-Key": app_key,
        "X-Api-Timestamp": timestamp_text,
        "X-Api-Nonce": nonce,
        "X-Api-Signature": signature,
    }


class ApiTestCase(BaseTestCase):
    party: RelyingParty
    secret: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.party, cls.secret = party_make(cls.admin)

    def setUp(self) -> None:
        cache.clear()  # nonces and limits live in the cache

    def signed_post_json(
        self,
        path: str,
        data: dict[str, Any],
        *,
        party: RelyingParty | None = None,
        secret: str | None = None,
        **sign_args: Any,
    ) -> Any:
        party = party or self.party
        body = json.dumps(data, ensure_ascii=False).encode()
        headers = sign(
            app_key=party.app_key,
            secret=secret or self.secret,
            method="POST",
            path=path,
            body=body,
            **sign_args,
        )
        return self.client.post(path, data=body, content_type="application/json", headers=headers)

    def signed_get(
        self, path: str, *, party: RelyingParty | None = None, secret: str | None = None, **sign_args: Any
    ) -> Any:
        party = party or self.party
        headers = sign(
            app_key=party.app_key, secret=secret or self.secret, method="GET", path=path, **sign_args
        )
        return self.client.get(path, headers=headers)

    def signed_upload(self, path: str, content: bytes, *, name: str = "证书.ofd") -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, content)})
        headers = sign(app_key=self.party.app_key, secret=self.secret, method="POST", path=path, body=body)
        return self.client.post(path, data=body, content_type=MULTIPART_CONTENT, headers=headers)


def party_make(
    actor: Any,
    *,
    scopes: tuple[ApiScope, ...] = BOTH,
    per_minute: int = 60,
    per_day: int = 1000,
    name: str = "沈阳市公共资源交易平台",
) -> tuple[RelyingParty, str]:
    return relying_party_create(
        name=name,
        contact="王工 024-12345678",
        scopes=scopes,
        per_minute=per_minute,
        per_day=per_day,
        actor=actor,
    )
