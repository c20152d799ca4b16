"""Counters: the next number of a named series, one `Sequence` row per key. Every numbered
thing takes its number here: 办件编号 (per day), 文书编号 (per kind and year), 注册编号 (per
first-registration year) and the certificates' 流水号.

The increment is one UPDATE, which locks the row until the caller's transaction ends: two
callers of one key wait for each other and never share a number, and a rolled-back caller
gives its number back."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from cases.models import Sequence


def counter_next(*, key: str) -> int:
    """The next number of the counter `key` (1 for a key never used)."""
    with transaction.atomic():
        Sequence.objects.get_or_create(key=key)
        Sequence.objects.filter(key=key).update(last=F("last") + 1)
        return Sequence.objects.values_list("last", flat=True).get(key=key)
