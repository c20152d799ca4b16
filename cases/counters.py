"""Counters: the next number of a named series, one `Sequence` row per key. Every numbered
thing takes its number here: 办件编号 (per day), 文书编号 (per kind and year), 注册编号 (per
first-registration year) and the certificates' 流水号.

The increment is one statement (an upsert that returns the new value), which locks the row
until the caller's transaction ends: two callers of one key wait for each other and never
share a number, and a rolled-back caller gives its number back."""

from __future__ import annotations

from django.db import connection

from cases.models import Sequence


def _upsert_sql() -> str:
    q = connection.ops.quote_name
    table, key, last = q(Sequence._meta.db_table), q("key"), q("last")
    # INSERT ... ON CONFLICT DO UPDATE ... RETURNING: PostgreSQL, and SQLite from 3.35. One
    # round trip instead of five (read, create in a savepoint, increment, read back): every
    # 保存并提交 takes two numbers (ISSUE 14, ≤ 12 queries a submission).
    # Only quoted names of our own model are put in; the key is a parameter.
    return (
        f"INSERT INTO {table} ({key}, {last}) VALUES (%s, 1) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )


def counter_next(*, key: str) -> int:
    """The next number of the counter `key` (1 for a key never used)."""
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [key])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])
