"""A signing service over HTTP (签名服务器): `CERT_SIGNER=certificates.signers.remote.http_signer`.

This host computes e = SM3(Z ‖ M) of what it seals and sends only e (`contract`, docs/signing.md);
the service, on the one host that holds the authority's key, answers an SM2 signature of it. The
service's certificate is fetched once per process and checked against this host's CA and seal;
every signature is verified under it before use. Any failure raises SignerError with a Chinese
reason: the copy being made keeps 加注中 and the worker tries again (certificates.services)."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.crypto import (
    CryptoError,
    SignerError,
    certificate_load,
    certificate_public_key,
    sm2_digest,
    sm3,
)
from certificates.signers import contract
from certificates.signers.trust import signature_checked, signer_certificate_checked
from lib.httpclient import PostFailed, json_post, url_check

PEER = "签名服务"

Poster = Callable[..., object]


class HttpSigner:
    """The authority's key behind a signing service; holds no key, only the service's
    certificate once it has been checked."""

    def __init__(
        self,
        *,
        url: str,
        key_id: str,
        secret: str,
        timeout: float,
        post: Poster = json_post,
        clock: Callable[[], float] = time.time,
    ) -> None:
        url_check(url, setting="CERT_SIGNER_URL")
        if not key_id:
            raise ImproperlyConfigured("CERT_SIGNER_KEY_ID 未设置：签名服务的客户端标识")
        if len(secret) < contract.MIN_SECRET_LENGTH:
            raise ImproperlyConfigured(
                f"CERT_SIGNER_SECRET 至少{contract.MIN_SECRET_LENGTH}个字符（与签名服务相同）"
            )
        self._base = url if url.endswith("/") else url + "/"
        self._key_id, self._secret, self._timeout = key_id, secret, timeout
        self._post, self._clock = post, clock
        self._certificate: bytes | None = None
        self._lock = threading.Lock()

    @property
    def certificate_der(self) -> bytes:
        with self._lock:
            if self._certificate is None:
                self._certificate = self._fetch_certificate()
            return self._certificate

    def sign(self, data: bytes) -> bytes:
        certificate = self.certificate_der
        digest = sm2_digest(public_key=certificate_public_key(certificate), data=data)
        answer = self._call(
            contract.SIGN_ENDPOINT,
            {
                "algorithm": contract.ALGORITHM,
                "digest": digest.hex(),
                "certificate_sm3": sm3(certificate).hex(),
            },
        )
        signature = _base64_field(answer, "signature")
        try:
            return signature_checked(certificate_der=certificate, data=data, signature=signature, source=PEER)
        except SignerError:
            self.forget_certificate()  # the key may have changed: fetch and check it again next time
            raise

    def forget_certificate(self) -> None:
        with self._lock:
            self._certificate = None

    def _fetch_certificate(self) -> bytes:
        answer = self._call(contract.CERTIFICATE_ENDPOINT, {})
        try:
            certificate = certificate_load(_base64_field(answer, "certificate"))
        except CryptoError as e:
            raise SignerError(f"{PEER}返回的证书无法读取：{e}") from None
        return signer_certificate_checked(certificate, source=PEER)

    def _call(self, endpoint: str, payload: dict[str, Any]) -> object:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = contract.request_headers(
            key_id=self._key_id, secret=self._secret, endpoint=endpoint, body=body, now=self._clock()
        )
        try:
            return self._post(
                url=self._base + endpoint, body=body, headers=headers, timeout=self._timeout, peer=PEER
            )
        except PostFailed as e:
            if e.status == 409:
                self._certificate = None  # the service signs with another key now
            raise SignerError(_reason(e)) from None


_STATUS_REASONS = {
    401: "签名服务拒绝了本机的凭据（HTTP 401）：请核对 CERT_SIGNER_KEY_ID、CERT_SIGNER_SECRET "
    "与签名服务一致，两台主机的时钟相差不超过5分钟",
    409: "签名服务的签章者证书已更换（HTTP 409），将重新获取证书后重试",
    413: "签名服务认为请求过大（HTTP 413）：请核对签名服务实现的是 docs/signing.md 的接口",
    400: "签名服务认为请求格式不对（HTTP 400）：请核对签名服务实现的是 docs/signing.md 的接口",
    404: "签名服务没有这个接口（HTTP 404）：请核对 CERT_SIGNER_URL",
}


def _reason(error: PostFailed) -> str:
    # json_post's own reasons name the peer already (「签名服务超时（10秒）」, 「无法连接签名服务：…」).
    return _STATUS_REASONS.get(error.status or 0, str(error))


def _base64_field(answer: object, key: str) -> bytes:
    value = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(value, str) or not value:
        raise SignerError(f"{PEER}的应答缺少 {key}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignerError(f"{PEER}的应答中 {key} 不是有效的 Base64") from None


def http_signer() -> HttpSigner:
    """The CERT_SIGNER factory for a signing service (settings CERT_SIGNER_URL, _KEY_ID,
    _SECRET, _TIMEOUT_SECONDS)."""
    if not settings.CERT_SIGNER_URL:
        raise ImproperlyConfigured("CERT_SIGNER_URL 未设置：签名服务的地址（如 https://10.0.5.5:8700/）")
    return HttpSigner(
        url=settings.CERT_SIGNER_URL,
        key_id=settings.CERT_SIGNER_KEY_ID,
        secret=settings.CERT_SIGNER_SECRET,
        timeout=settings.CERT_SIGNER_TIMEOUT_SECONDS,
    )
