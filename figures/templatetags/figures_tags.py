"""For the menu (templates/base.html): whether the signed-in account reads 统计分析."""

from __future__ import annotations

from typing import Any

from django import template

from figures.selectors import may_read_figures

register = template.Library()


@register.filter
def reads_figures(user: Any) -> bool:
    return may_read_figures(user)
