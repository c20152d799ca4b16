"""The one home of the rectification's time limit: a 差评 is answered, followed up and closed
within 15 working days of the rating (国办发〔2019〕51号: 差评整改 within 15 working days),
counted as every limit here is, from the day after (`catalog.calendar`)."""

from __future__ import annotations

from datetime import date

from cases.deadlines import Deadline
from catalog.calendar import workday_add, workdays_left
from ratings.models import Rectification
from ratings.transitions import rectification_is_open

RECTIFICATION_WORKDAYS = 15


def rectification_due_on(*, rated_on: date) -> date:
    return workday_add(start=rated_on, days=RECTIFICATION_WORKDAYS)


def rectification_deadline(rectification: Rectification, *, today: date) -> Deadline | None:
    """How the task stands today (the workbench's badge); None once it is done with."""
    if not rectification_is_open(rectification.status):
        return None
    due = rectification.due
    return Deadline(label="整改期限", due=due, left=workdays_left(today=today, due=due), overdue=today > due)
