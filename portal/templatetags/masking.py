"""Template filters that hide personal numbers on pages that do not need them in full."""

from __future__ import annotations

from django import template

from lib import masking

register = template.Library()


@register.filter
def mask_id(value: str | None) -> str:
    return masking.mask_id_number(value or "")


@register.filter
def mask_mobile(value: str | None) -> str:
    return masking.mask_mobile(value or "")


@register.filter
def mask_name(value: str | None) -> str:
    return masking.mask_name(value or "")
