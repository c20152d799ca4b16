"""The signing service's HTTP contract (docs/signing.md), shared by the client
(`certificates.signers.remote`) and the reference service (`certificates.signers.service`):
two POST endpoints with JSON bodies, each request authenticated by an HMAC-SM3 over its method,
endpoint, time, a nonce and the SM3 of its body, under a key id and secret both sides hold."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from certificates.crypto import ALGORITHM_SM2_SM3
from lib.sm3 import hmac_sm3, sm3

CERTIFICATE_ENDPOINT = "v1/certificate"  # POST {} → {"certificate": base64 DER}
SIGN_ENDPOINT = "v1/sign"  # POST {"algorithm", "digest", "certificate_sm3"} → {"signature": base64 DER}
ALGORITHM = ALGORITHM_SM2_SM3  # SM2 with SM3 and the user ID 1234567812345678 (GB/T 35276)

HEADER_KEY_ID = "X-Sign-Key-Id"
HEADER_TIMESTAMP = "X-Sign-Timestamp"  # Unix seconds, decimal
HEADER_NONCE = "X-Sign-Nonce"  # 32 lowercase hex digits, never reused
HEADER_SIGNATURE = "X-Sign-Signature"  # lowercase hex HMAC-SM3, see `string_to_sign`

MAX_CLOCK_SKEW_SECONDS = 300  # a request older or newer than this is refused (and so is a replay)
MAX_REQUEST_BYTES = 4096  # every valid request is far smaller
MIN_SECRET_LENGTH = 32


def string_to_sign(*, endpoint: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What the request's HMAC covers: POST, the endpoint (without any path prefix a proxy
    adds), the time, the nonce and the body's SM3, one per line."""
    return "\n".join(("POST", endpoint, timestamp, nonce, sm3(body).hex())).encode("ascii")


def request_mac(*, secret: str, endpoint: str, timestamp: str, nonce: str, body: bytes) -> str:
    data = string_to_sign(endpoint=endpoint, timestamp=timestamp, nonce=nonce, body=body)
    return hmac_sm3(secret.encode("utf-8"), data).hex()


def request_headers(*, key_id: str, secret: str, endpoint: str, body: bytes, now: float) -> dict[str, str]:
    """The authentication headers of one request."""
    timestamp, nonce = str(int(now)), secrets.token_hex(16)
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: request_mac(
            secret=secret, endpoint=endpoint, timestamp=timestamp, nonce=nonce, body=body
        ),
    }


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value, whatever the case of its name ('' when absent)."""
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), "")
