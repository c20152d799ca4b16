"""Personal data at rest: SM4-GCM encryption under rotating data keys, and blind indexes.

The one home of this cryptography (docs/adr/0014-personal-data-encrypted-at-rest.md); model
fields that use it are in `lib/encrypted.py`.

- A value is stored as the text `sm4:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`: SM4 (GB/T
  32907) in GCM mode, a fresh random 12-byte nonce each time, and the field's identity
  ("app_label.Model.field") as associated data, so a value copied into another column does
  not decrypt there.
- `DATA_KEY` holds one or more `<key id>:<base64 of 16 bytes>`, comma-separated: the first
  encrypts, every one decrypts. Rotation puts a new key first, runs `manage.py
  rotate_data_key`, then drops the old key; the key id beside each value says which key it needs.
- A blind index is HMAC-SM3 of the normalised value under `BLIND_INDEX_KEY` (a key of its own:
  knowing an index must not help to decrypt, nor the reverse). Equal values give equal
  indexes, so uniqueness and exact lookups work on them; nothing else does (no partial match).

Only the standard library, tongsuopy and lib here: the settings module validates the keys
with `data_keys_parse` / `blind_index_key_parse` before Django is set up."""

from __future__ import annotations

import base64
import binascii
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from tongsuopy.crypto.ciphers.aead import SM4GCM
from tongsuopy.crypto.exceptions import InvalidTag

from lib.keyring import KeyringError, key_b64_decode, keyring_entry_make, keyring_parse
from lib.mobile import normalize_mobile
from lib.sm3 import hmac_sm3

PREFIX = "sm4"
KEY_BYTES = 16  # SM4 has one key size
NONCE_BYTES = 12
BLIND_INDEX_MIN_BYTES = 16
# What a stored key id may be: short and plain, since it is written beside every value.
_ASCII_WHITESPACE = " \t\n\r\f\v"


# DATA_KEY or BLIND_INDEX_KEY is malformed; the message says how (Chinese / English).
DataKeyError = KeyringError


class DecryptError(Exception):
    """A stored value cannot be decrypted: unknown key id, wrong field, or changed bytes."""


# --- keys -----------------------------------------------------------------------------------


def data_keys_parse(value: str) -> list[tuple[str, bytes]]:
    """`k2:BASE64,k1:BASE64` → [("k2", key), ("k1", key)], the encrypting key first."""
    return list(keyring_parse("DATA_KEY", value, length=KEY_BYTES).keys.items())


def blind_index_key_parse(value: str) -> bytes:
    key = key_b64_decode(value, name="BLIND_INDEX_KEY")
    if len(key) < BLIND_INDEX_MIN_BYTES:
        raise DataKeyError(
            f"BLIND_INDEX_KEY 至少须为{BLIND_INDEX_MIN_BYTES}字节（base64编码） / "
            f"BLIND_INDEX_KEY must be at least {BLIND_INDEX_MIN_BYTES} bytes (base64)"
        )
    return key


def keys_check(*, data_key: str, blind_index_key: str) -> None:
    """Both settings well-formed, and the blind-index key none of the data keys."""
    data_keys = data_keys_parse(data_key)
    index_key = blind_index_key_parse(blind_index_key)
    if any(key == index_key for _, key in data_keys):
        raise DataKeyError(
            "BLIND_INDEX_KEY 不能与 DATA_KEY 中的密钥相同 / "
            "BLIND_INDEX_KEY must differ from every DATA_KEY key"
        )


def data_key_new(key_id: str) -> str:
    """One `<key id>:<base64>` item with a fresh random key (for setup scripts and rotation)."""
    return keyring_entry_make(key_id, length=KEY_BYTES)


def blind_index_key_new() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@dataclass(frozen=True)
class Keyring:
    current_id: str
    ciphers: dict[str, SM4GCM]
    index_key: bytes


@functools.lru_cache(maxsize=8)
def _keyring_for(data_key: str, blind_index_key: str) -> Keyring:
    # The raw settings are the cache key, so that a test's override_settings gets its own ring.
    keys = data_keys_parse(data_key)
    return Keyring(
        current_id=keys[0][0],
        ciphers={key_id: SM4GCM(key) for key_id, key in keys},
        index_key=blind_index_key_parse(blind_index_key),
    )


def keyring() -> Keyring:
    from django.conf import settings

    return _keyring_for(settings.DATA_KEY, settings.BLIND_INDEX_KEY)


def current_key_id() -> str:
    return keyring().current_id


# --- encryption -----------------------------------------------------------------------------


def encrypt(plaintext: bytes, *, context: str) -> str:
    """The stored form of `plaintext` for the field named `context`, under the current key."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current_id].encrypt(nonce, plaintext, context.encode())
    return f"{PREFIX}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> bytes:
    """The plaintext of a value `encrypt` made for the same `context`; DecryptError otherwise."""
    prefix, _, rest = token.partition(":")
    key_id, _, encoded = rest.partition(":")
    if prefix != PREFIX or not encoded:
        raise DecryptError(f"{context}: 不是加密值 / not an encrypted value")
    cipher = keyring().ciphers.get(key_id)
    if cipher is None:
        raise DecryptError(
            f"{context}: 密钥 {key_id} 不在 DATA_KEY 中（轮换完成前不能删除旧密钥） / "
            f"key {key_id} is not in DATA_KEY (keep old keys until rotate_data_key has finished)"
        )
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptError(f"{context}: 加密值已损坏 / the stored value is damaged") from None
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptError(f"{context}: 加密值已损坏 / the stored value is damaged")
    try:
        plaintext: bytes = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except InvalidTag:
        raise DecryptError(
            f"{context}: 加密值校验失败（被改动或属于其他字段） / the value was altered or belongs elsewhere"
        ) from None
    return plaintext


def encrypt_text(plaintext: str, *, context: str) -> str:
    return encrypt(plaintext.encode("utf-8"), context=context)


def decrypt_text(token: str, *, context: str) -> str:
    return decrypt(token, context=context).decode("utf-8")


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def token_key_id(token: str) -> str | None:
    """The key id written beside an encrypted value (None for anything else)."""
    if not is_encrypted(token):
        return None
    return token.split(":", 2)[1]


# --- blind indexes --------------------------------------------------------------------------


def blind_index(purpose: str, parts: Sequence[str]) -> str:
    """HMAC-SM3 (hex) of already normalised `parts` under BLIND_INDEX_KEY. `purpose` keeps the
    indexes of different things apart (an ID number and a mobile never share an index)."""
    message = "\x1f".join([purpose, *parts]).encode("utf-8")
    return hmac_sm3(keyring().index_key, message).hex()


def normalize_identity_number(number: str) -> str:
    """How an ID number is compared: without surrounding whitespace, upper-case (a typed 'x'
    is the same check character as 'X'; passport letters are case-blind)."""
    return number.strip(_ASCII_WHITESPACE).upper()


def identity_index(*, id_type: str, id_number: str) -> str:
    """The index of a person's (证件类型, 证件号码): the type is part of the identity, since two
    kinds of ID may share digits. "" for no number."""
    number = normalize_identity_number(id_number)
    return blind_index("identity", [id_type, number]) if number else ""


def mobile_index(mobile: str) -> str:
    """The index of a mobile number, normalised as the forms do (spaces, dashes, +86). "" for none."""
    number = normalize_mobile(mobile.strip())
    return blind_index("mobile", [number]) if number else ""


def platform_subject_index(*, issuer: str, subject: str) -> str:
    """The index of a 统一身份认证 platform's user (`iss`, `sub`): exact, since `sub` is compared
    as the platform gives it. "" for no subject."""
    return blind_index("platform-subject", [issuer, subject]) if subject else ""


def subject_index(subject: str) -> str:
    """The index of a login name or other typed identifier that may be an ID number or a
    mobile (rate-limit and lock keys): stripped and upper-cased."""
    return blind_index("subject", [subject.strip().upper()])
