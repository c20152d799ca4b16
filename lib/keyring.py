"""Secret keys that rotate: an environment value of one or more `<keyid>:<base64 key>` entries,
comma-separated. The first entry is the current key (it writes); every entry reads, so that
values written under an older key stay readable while they are re-written under the new one.

One parser for every such setting (the data key of lib/datacrypt.py, the audit chain's key of
audit/chain.py), so that they are written, rotated and checked alike. Only the standard library
here: the settings module checks the keys before Django is set up."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}", re.ASCII)


class KeyringError(ValueError):
    """A key setting is malformed; the message (Chinese / English) names the setting and says
    how, never the key itself."""


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]  # in the setting's order: the current key first

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def get(self, key_id: str) -> bytes:
        """The key named `key_id`; KeyError if this installation does not have it."""
        return self.keys[key_id]


def key_b64_decode(text: str, *, name: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{name} 的密钥不是有效的 base64 / {name}: the key is not valid base64") from None


def keyring_parse(name: str, value: str, *, length: int) -> Keyring:
    """The keyring the setting `name` holds, every key `length` bytes long."""
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise KeyringError(
                f"{name} 的每一项应为 <密钥编号>:<base64编码的{length}字节密钥>，"
                "编号为1-16位字母、数字、_或- / "
                f"{name}: each item must be <key id>:<base64 of {length} bytes>, "
                "the id 1-16 of A-Z a-z 0-9 _ -"
            )
        key = key_b64_decode(encoded, name=name)
        if len(key) != length:
            raise KeyringError(
                f"{name} 的密钥 {key_id} 长度为{len(key)}字节，须为{length}字节 / "
                f"{name}: key {key_id} has {len(key)} bytes, {length} needed"
            )
        if key_id in keys:
            raise KeyringError(f"{name} 的密钥编号 {key_id} 重复 / {name}: key id {key_id} appears twice")
        keys[key_id] = key
    if not keys:
        raise KeyringError(f"{name} 为空 / {name} is empty")
    return Keyring(current_id=next(iter(keys)), keys=keys)


def keyring_entry_make(key_id: str, *, length: int) -> str:
    """A new `<keyid>:<base64 key>` entry of `length` random bytes (set-up and rotation)."""
    if not _KEY_ID.fullmatch(key_id):
        raise KeyringError(f"密钥编号无效 / not a key id: {key_id!r}")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(length)).decode()}"
