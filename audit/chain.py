"""The audit chain's one rule: what a row's MAC covers, and how a run of rows is checked.

Each row's MAC is HMAC-SM3, under the audit key, of the row's content together with the
previous row's MAC. The key matters: a plain hash chain can be recomputed by whoever can write
the table, a keyed one only by whoever also holds AUDIT_KEY (kept off the database host and out
of backups, docs/operations.md). The row id is not covered: ids are the database's (a rolled-
back insert skips one on PostgreSQL); order is proven by each row naming its predecessor."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.conf import settings

from lib.keyring import Keyring, keyring_parse
from lib.sm3 import hmac_sm3

GENESIS = "0" * 64
KEY_BYTES = 32

# Everything a row says, in the order the MAC reads it; `id` and `mac` are not content.
CONTENT_FIELDS = (
    "at",
    "action",
    "result",
    "actor_id",
    "actor_name",
    "actor_kind",
    "actor_role",
    "department",
    "client_address",
    "request_id",
    "object_type",
    "object_id",
    "object_label",
    "subject_id",
    "detail",
    "key_id",
    "prev_mac",
)


@cache
def _keyring(value: str) -> Keyring:
    return keyring_parse("AUDIT_KEY", value, length=KEY_BYTES)


def audit_keyring() -> Keyring:
    return _keyring(settings.AUDIT_KEY)


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def row_export(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a row as JSON values, as an archive file keeps it; `row_content` and
    `row_mac` read the result exactly as they read the row."""
    return {name: _text(value) for name, value in row.items()}


def row_content(row: Mapping[str, Any]) -> bytes:
    """The bytes a row's MAC is computed over (canonical JSON of CONTENT_FIELDS)."""
    content = {name: _text(row[name]) for name in CONTENT_FIELDS}
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_mac(row: Mapping[str, Any], *, keyring: Keyring | None = None) -> str:
    """The MAC `row` should carry, under the key its `key_id` names (KeyError if unknown)."""
    ring = keyring or audit_keyring()
    return hmac_sm3(ring.get(str(row["key_id"])), row_content(row)).hex()


def record_mac(kind: str, values: Mapping[str, Any], *, key_id: str, keyring: Keyring | None = None) -> str:
    """The MAC of a bookkeeping row (the chain's head, an archive's row): without it, whoever
    can write the tables could cut rows off the end and move the head back, or bridge removed
    rows with a made-up archive row. `kind` keeps a head's MAC from passing as an archive's."""
    ring = keyring or audit_keyring()
    content = json.dumps(
        {"kind": kind, **{name: _text(value) for name, value in values.items()}},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return hmac_sm3(ring.get(key_id), content).hex()


def head_mac(*, last_id: int, last_mac: str, count: int, key_id: str, keyring: Keyring | None = None) -> str:
    values = {"last_id": last_id, "last_mac": last_mac, "count": count}
    return record_mac("head", values, key_id=key_id, keyring=keyring)


ARCHIVE_FIELDS = ("name", "first_id", "last_id", "first_prev_mac", "last_mac", "count", "sm3")


def archive_mac(values: Mapping[str, Any], *, key_id: str, keyring: Keyring | None = None) -> str:
    return record_mac(
        "archive", {name: values[name] for name in ARCHIVE_FIELDS}, key_id=key_id, keyring=keyring
    )


@dataclass(frozen=True)
class ChainFault:
    row_id: int
    reason: str  # in Chinese, for the administrator who reads the report

    def __str__(self) -> str:
        return f"第 {self.row_id} 条：{self.reason}"


def chain_check(
    rows: Iterable[Mapping[str, Any]], *, start_mac: str, keyring: Keyring | None = None
) -> tuple[ChainFault | None, str, int]:
    """Walk `rows` in id order from the MAC that precedes the first. Returns the first fault
    (or None), the MAC of the last row read, and how many rows were read."""
    ring = keyring or audit_keyring()
    expected_prev = start_mac
    count = 0
    for row in rows:
        row_id = int(row["id"])
        try:
            mac = row_mac(row, keyring=ring)
        except KeyError:
            return (
                ChainFault(row_id, f"密钥标识 {row['key_id']!r} 不在 AUDIT_KEY 中，无法校验"),
                expected_prev,
                count,
            )
        if mac != row["mac"]:
            return ChainFault(row_id, "内容被修改（校验码不符）"), expected_prev, count
        if row["prev_mac"] != expected_prev:
            return ChainFault(row_id, "此条之前有记录被删除或插入（链接不符）"), expected_prev, count
        expected_prev = mac
        count += 1
    return None, expected_prev, count
