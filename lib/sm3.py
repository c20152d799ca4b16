"""SM3 (GB/T 32905) and HMAC-SM3, for the audit chain and blind indexes.

OpenSSL's C implementation through hashlib where the build has it (Debian's does); otherwise
Tongsuo's. HMAC is built by hand over the fallback because tongsuopy has no HMAC of its own."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from tongsuopy.crypto import hashes

_BLOCK = 64  # SM3's block size in bytes


def _sm3_tongsuo(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    result: bytes = digest.finalize()
    return result


try:
    hashlib.new("sm3")
    HASHLIB_HAS_SM3 = True
except ValueError:  # an OpenSSL build without SM3 behind hashlib
    HASHLIB_HAS_SM3 = False


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of `data`."""
    if HASHLIB_HAS_SM3:
        return hashlib.new("sm3", data).digest()
    return _sm3_tongsuo(data)


def sm3_chunks(chunks: Iterable[bytes]) -> bytes:
    """The SM3 digest of the concatenated `chunks`, read one at a time (a file of any size)."""
    if HASHLIB_HAS_SM3:
        digest = hashlib.new("sm3")
        for chunk in chunks:
            digest.update(chunk)
        return digest.digest()
    fallback = hashes.Hash(hashes.SM3())
    for chunk in chunks:
        fallback.update(chunk)
    result: bytes = fallback.finalize()
    return result


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) with SM3: 32 bytes."""
    if HASHLIB_HAS_SM3:
        return hmac.new(key, data, "sm3").digest()
    if len(key) > _BLOCK:
        key = _sm3_tongsuo(key)
    key = key.ljust(_BLOCK, b"\0")
    inner = _sm3_tongsuo(bytes(b ^ 0x36 for b in key) + data)
    return _sm3_tongsuo(bytes(b ^ 0x5C for b in key) + inner)
