"""The request signature of the open API, in one place (docs/api.md, ADR 0022): what is
signed, how, and the comparison. The caller's side of the same rules is the Python example
in docs/api.md, which a test runs against this module.

    string to sign = METHOD \\n PATH \\n CANONICAL QUERY \\n APP KEY \\n TIMESTAMP \\n NONCE \\n SM3(BODY)
    signature      = hex(HMAC-SM3(secret as UTF-8 bytes, string to sign as UTF-8 bytes))

- METHOD in capitals; PATH the URL's path, percent-encoded as RFC 3986 leaves it (only
  A–Z a–z 0–9 - _ . ~ and / as they are), so that a caller's library and ours agree whatever
  each does with other characters;
- CANONICAL QUERY: each parameter name and value percent-encoded the same way, the pairs
  sorted (by name, then value) and joined as name=value with &; empty without a query;
- TIMESTAMP: Unix seconds; NONCE: 16–64 characters of A–Z a–z 0–9 - _, new for every request;
- SM3(BODY): the lower-case hex SM3 of the body's bytes as sent (of nothing for a GET)."""

from __future__ import annotations

import hmac
import re
from urllib.parse import parse_qsl, quote, unquote

from lib.sm3 import hmac_sm3, sm3

HEADER_KEY = "X-Api-Key"
HEADER_TIMESTAMP = "X-Api-Timestamp"
HEADER_NONCE = "X-Api-Nonce"
HEADER_SIGNATURE = "X-Api-Signature"
WINDOW_SECONDS = 5 * 60  # a request older or newer than this is refused
# What an app key looks like (api.services makes them: lower-case hex, at most the column's 32).
APP_KEY = re.compile(r"[0-9a-f]{1,32}", re.ASCII)
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}", re.ASCII)
SIGNATURE = re.compile(r"[0-9a-f]{64}", re.ASCII)
_UNRESERVED = "-_.~"


def _encode(text: str, *, safe: str = "") -> str:
    return quote(text, safe=_UNRESERVED + safe, encoding="utf-8", errors="strict")


def canonical_path(path: str) -> str:
    """The path as signed: decoded, then encoded leaving only unreserved characters and /."""
    return _encode(unquote(path, encoding="utf-8", errors="replace"), safe="/")


def canonical_query(query_string: str) -> str:
    pairs = parse_qsl(query_string, keep_blank_values=True, encoding="utf-8", errors="replace")
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(pairs))


def body_digest(body: bytes) -> str:
    return sm3(body).hex()


def string_to_sign(
    *, method: str, path: str, query_string: str, app_key: str, timestamp: str, nonce: str, body: bytes
) -> str:
    return "\n".join(
        [
            method.upper(),
            canonical_path(path),
            canonical_query(query_string),
            app_key,
            timestamp,
            nonce,
            body_digest(body),
        ]
    )


def signature_of(*, secret: str, text: str) -> str:
    return hmac_sm3(secret.encode("utf-8"), text.encode("utf-8")).hex()


def signature_matches(*, secret: str, text: str, signature: str) -> bool:
    # Constant time: the comparison must not tell how many leading characters were right.
    return hmac.compare_digest(signature_of(secret=secret, text=text), signature.lower())
