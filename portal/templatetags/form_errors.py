"""The error summary at the top of a refused form (lib/forms.py)."""

from __future__ import annotations

from django import forms, template

from lib.forms import SummaryItem, error_summary

register = template.Library()


@register.simple_tag
def form_error_summary(
    form: forms.BaseForm | None, extra: list[SummaryItem] | None = None
) -> list[SummaryItem]:
    """The form's items, then `extra`: what else the page refused (the materials not uploaded)."""
    return (error_summary(form) if form is not None else []) + list(extra or [])
