"""Template helpers for pages that point into the case flow (the 办理项 chooser)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from cases.types import type_for_item
from catalog.models import ServiceItem

register = template.Library()


@register.filter
def has_online_form(item: ServiceItem) -> bool:
    """Whether the 办理项 has an application form here yet (a type in cases.types.TYPES)."""
    return type_for_item(item) is not None


@register.filter
def any_reusable(rows: Iterable[Any]) -> bool:
    """Whether any material row offers a file from an earlier application (沿用)."""
    return any(getattr(row, "reusable", None) is not None for row in rows)
