"""The 督办 panel of the workbench's case page (review/case.html) and the menu's 督办 link:
the case page shows them through these tags, so `review/views.py` stays as it was."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from cases.deadlines import DECISION_STATUSES, EXTENSION_WORKDAYS
from cases.models import Case
from supervision.forms import ExtensionRequestForm, PauseForm
from supervision.models import EXTENSION_TAKEN, ExtensionStatus
from supervision.selectors import extension_of, is_handler, is_leader, pause_open

register = template.Library()


@register.inclusion_tag("supervision/_case_panel.html")
def supervision_panel(case: Case, user: User) -> dict[str, Any]:
    running = case.status in DECISION_STATUSES
    extension = extension_of(case)
    pause = pause_open(case) if running else None
    handler = running and is_handler(user=user, case=case)
    may_extend = handler and (extension is None or extension.status not in EXTENSION_TAKEN)
    return {
        "case": case,
        "extension": extension,
        "pauses": list(case.pauses.all()),
        "pause": pause,
        "handler": handler,
        "leader": is_leader(user),
        "extension_form": ExtensionRequestForm(prefix="extension") if may_extend else None,
        "pause_form": PauseForm(prefix="pause") if handler and pause is None else None,
        "extension_days": EXTENSION_WORKDAYS,
        "ExtensionStatus": ExtensionStatus,
    }


@register.filter
def supervises(user: Any) -> bool:
    """For the menu: whether the signed-in account keeps a 督办 list (a 科室负责人)."""
    return isinstance(user, User) and is_leader(user)
