"""The 好差评 panel of the applicant's case page (cases/detail.html): the case page shows it
through this tag, so `cases` itself never imports `ratings` (ratings depends on cases)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from cases.models import Case
from ratings.selectors import rating_for_case
from ratings.services import may_decide_appeals, rating_refusal

register = template.Library()


@register.inclusion_tag("ratings/_case_panel.html")
def rating_panel(case: Case, user: User) -> dict[str, Any]:
    rating = rating_for_case(case) if case.is_finished else None
    return {
        "case": case,
        "rating": rating,
        "rateable": rating is None and case.is_finished and rating_refusal(case=case, user=user) is None,
    }


@register.filter
def decides_appeals(user: Any) -> bool:
    """For the menu: whether the signed-in account decides 差评申诉 (a 系统管理员)."""
    return isinstance(user, User) and may_decide_appeals(user)
