"""Secret keys that rotate: an environment value of one or more `<keyid>:<base64 key>` entries,
comma-separated. The first entry is the current key (it writes); every entry reads, so that
values written under an older key stay readable while they are re-written under the new one.

One parser for every such setting (the audit chain's key, the data key), so that they are
written, rotated and checked alike."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def get(self, key_id: str) -> bytes:
        """The key named `key_id`; KeyError if this installation does not have it."""
        return self.keys[key_id]


def keyring_parse(name: str, value: str, *, length: int) -> Keyring:
    """The keyring an environment variable `name` holds; ImproperlyConfigured, naming the
    variable but never its value, when an entry is malformed or a key has the wrong length."""
    keys: dict[str, bytes] = {}
    current = ""
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"{name}: each entry is <keyid>:<base64 key>, keyid 1–16 of A-Z a-z 0-9 _ -"
            )
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{name}: the key of {key_id!r} is not base64") from None
        if len(key) != length:
            raise ImproperlyConfigured(
                f"{name}: the key of {key_id!r} must be {length} bytes, not {len(key)}"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{name}: key id {key_id!r} appears twice")
        keys[key_id] = key
        current = current or key_id
    if not keys:
        raise ImproperlyConfigured(f"{name} is not set. `make run` writes one to var/portal.env.")
    return Keyring(current_id=current, keys=keys)


def keyring_entry_make(key_id: str, *, length: int) -> str:
    """A new `<keyid>:<base64 key>` entry of `length` random bytes (set-up and rotation)."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(length)).decode()}"
