"""The reference signing service (`manage.py serve_signing`): the contract of
`certificates.signers.contract` over the key files of the one host that holds the authority's
key, for a province without a commercial 签名服务器.

`SigningService.answer` is the whole logic (authenticate, check, sign) and knows no HTTP; the
handler below only moves bytes, with a size limit and a socket timeout. Log lines name the
client, the key id, the endpoint, the first bytes of the digest and the outcome, never a secret."""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from certificates.crypto import CryptoError, LocalSigner, sm3
from certificates.signers import contract

logger = logging.getLogger("certificates.signing_service")

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NONCE = re.compile(r"[0-9a-f]{32}")
MAX_NONCES = 200_000  # remembered for MAX_CLOCK_SKEW_SECONDS × 2; far more than any portal asks


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, str]

    @classmethod
    def error(cls, status: int, code: str, message: str) -> Answer:
        return cls(status, {"error": code, "message": message})


class SigningService:
    """Signs e values for one client credential with the key of `signer`."""

    def __init__(
        self,
        *,
        signer: LocalSigner,
        key_id: str,
        secret: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key_id or len(secret) < contract.MIN_SECRET_LENGTH:
            raise ValueError(
                "签名服务需要 CERT_SIGNER_KEY_ID 和"
                f"至少{contract.MIN_SECRET_LENGTH}个字符的 CERT_SIGNER_SECRET"
            )
        self.signer = signer
        self._key_id, self._secret, self._clock = key_id, secret, clock
        self._certificate_sm3 = sm3(signer.certificate_der).hex()
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()

    def answer(self, *, endpoint: str, headers: Mapping[str, str], body: bytes, client: str) -> Answer:
        refused = self._authenticate(endpoint=endpoint, headers=headers, body=body)
        if refused is not None:
            logger.warning(
                "signing service: refused client=%s key_id=%r endpoint=%s: %s",
                client,
                contract.header(headers, contract.HEADER_KEY_ID)[:64],
                endpoint,
                refused.body["error"],
            )
            return refused
        try:
            payload = json.loads(body)
        except ValueError:
            return Answer.error(400, "bad_json", "请求不是有效的 JSON")
        if not isinstance(payload, dict):
            return Answer.error(400, "bad_json", "请求不是 JSON 对象")
        if endpoint == contract.CERTIFICATE_ENDPOINT:
            logger.info("signing service: certificate client=%s key_id=%s", client, self._key_id)
            return Answer(200, {"certificate": base64.b64encode(self.signer.certificate_der).decode()})
        return self._sign(payload, client=client)

    def _sign(self, payload: dict[str, Any], *, client: str) -> Answer:
        if payload.get("algorithm") != contract.ALGORITHM:
            return Answer.error(400, "bad_algorithm", f"只支持 {contract.ALGORITHM}")
        digest = payload.get("digest")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            return Answer.error(400, "bad_digest", "digest 应为64个小写十六进制字符（SM3(Z‖M)）")
        expected = payload.get("certificate_sm3")
        if expected != self._certificate_sm3:
            return Answer.error(
                409, "certificate_mismatch", "本服务的签章者证书不是请求所指的证书，请重新获取证书"
            )
        try:
            signature = self.signer.sign_digest(bytes.fromhex(digest))
        except CryptoError:
            logger.exception("signing service: signing failed client=%s", client)
            return Answer.error(500, "signing_failed", "签名失败")
        logger.info("signing service: signed client=%s key_id=%s e=%s…", client, self._key_id, digest[:16])
        return Answer(200, {"signature": base64.b64encode(signature).decode()})

    def _authenticate(self, *, endpoint: str, headers: Mapping[str, str], body: bytes) -> Answer | None:
        if endpoint not in (contract.CERTIFICATE_ENDPOINT, contract.SIGN_ENDPOINT):
            return Answer.error(404, "not_found", "没有这个接口")
        key_id = contract.header(headers, contract.HEADER_KEY_ID)
        timestamp = contract.header(headers, contract.HEADER_TIMESTAMP)
        nonce = contract.header(headers, contract.HEADER_NONCE)
        mac = contract.header(headers, contract.HEADER_SIGNATURE)
        if not (key_id and timestamp.isdigit() and _NONCE.fullmatch(nonce) and mac):
            return Answer.error(401, "unauthenticated", "缺少或无效的认证头")
        expected = contract.request_mac(
            secret=self._secret, endpoint=endpoint, timestamp=timestamp, nonce=nonce, body=body
        )
        # Both compared in constant time; the key id too, so a wrong one takes as long.
        known = hmac.compare_digest(key_id.encode(), self._key_id.encode())
        if not (hmac.compare_digest(mac.encode(), expected.encode()) and known):
            return Answer.error(401, "bad_credential", "凭据无效")
        now = self._clock()
        if abs(now - int(timestamp)) > contract.MAX_CLOCK_SKEW_SECONDS:
            return Answer.error(401, "clock_skew", "请求时间与本服务时钟相差超过5分钟")
        with self._lock:
            for old, expires in list(self._nonces.items()):
                if expires < now:
                    del self._nonces[old]
            if nonce in self._nonces:
                return Answer.error(401, "replayed", "重复的请求")
            if len(self._nonces) >= MAX_NONCES:
                return Answer.error(503, "busy", "请求过多，请稍后再试")
            self._nonces[nonce] = now + 2 * contract.MAX_CLOCK_SKEW_SECONDS
        return None


class _Handler(BaseHTTPRequestHandler):
    server_version = "lnzwfw-signing"
    sys_version = ""
    timeout = 10  # seconds for a slow or silent client before its connection is dropped
    service: SigningService  # set on the subclass `signing_server` makes

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send(Answer.error(411, "length_required", "缺少 Content-Length"))
            return
        if length < 0 or length > contract.MAX_REQUEST_BYTES:
            self._send(Answer.error(413, "too_large", f"请求不得超过{contract.MAX_REQUEST_BYTES}字节"))
            return
        body = self.rfile.read(length)
        answer = self.service.answer(
            endpoint=self.path.lstrip("/"),
            headers=dict(self.headers.items()),
            body=body,
            client=self.client_address[0],
        )
        self._send(answer)

    def do_GET(self) -> None:
        self._send(Answer.error(405, "method_not_allowed", "只接受 POST"))

    do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def _send(self, answer: Answer) -> None:
        data = json.dumps(answer.body, ensure_ascii=False).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("signing service: %s %s", self.client_address[0], format % args)


def signing_server(*, service: SigningService, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for `service`, bound and ready for `serve_forever` (port 0: any free)."""
    handler = type("SigningHandler", (_Handler,), {"service": service})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
