"""For the menu: whether the signed-in account prepares and publishes the 注册公告."""

from __future__ import annotations

from typing import Any

from django import template

from bulletins.selectors import may_publish_bulletins

register = template.Library()


@register.filter
def publishes_bulletins(user: Any) -> bool:
    return bool(user.is_authenticated) and may_publish_bulletins(user)
