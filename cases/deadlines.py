"""The one home of the legal time limits (《行政许可法》 Art. 32, 42; DOMAIN.md "time limits"):
when a step's limit ends, which limit runs for a case now, and how it stands today.

Limits count working days from the day after their start (`catalog.calendar`): 受理 within
`ACCEPT_WORKDAYS` of the submission, the decision within the matter's 承诺时限 of 受理. While
the case waits for 补正 no limit runs; the 受理 limit starts again at the resubmission. The
services write the due days with the case; the workbench, the applicant's page and their
templates read them through `case_deadline`.

After a grant, a 告知承诺 is verified within its material's 核查期限 (working days, set in the
catalogue) from the day of the grant (`verification_due_on`, ADR 20); a commitment found
untrue gives the holder `STATEMENT_WORKDAYS` from the notice to state their case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q
from django.db.models.lookups import LessThanOrEqual

from cases.models import Case, CaseStatus
from catalog.calendar import workday_add, workdays_left
from lib.localdates import LocalDate

ACCEPT_WORKDAYS = 5
# 陈述、申辩 after a commitment was found untrue: the period the notice states (ADR 20).
STATEMENT_WORKDAYS = 5
# "Nearly due" in the words: at most this many working days left.
DUE_SOON_WORKDAYS = 2


def accept_due_on(*, submitted_on: date) -> date:
    """The last day for 受理 (or 补正 / 不予受理) of a case submitted on `submitted_on`."""
    return workday_add(start=submitted_on, days=ACCEPT_WORKDAYS)


def decision_due_on(*, accepted_on: date, promised_days: int) -> date:
    """The last day for the decision of a case accepted on `accepted_on` (承诺时限)."""
    return workday_add(start=accepted_on, days=promised_days)


def verification_due_on(*, granted_on: date, days: int) -> date:
    """The last day to verify a 告知承诺 of a case granted on `granted_on` (核查期限)."""
    return workday_add(start=granted_on, days=days)


def statement_due_on(*, notified_on: date) -> date:
    """The last day for the holder's 陈述、申辩 to a notice issued on `notified_on`."""
    return workday_add(start=notified_on, days=STATEMENT_WORKDAYS)


@dataclass(frozen=True)
class Deadline:
    """The limit a case is under today; `due` is None while the clock stands (待补正)."""

    label: str
    due: date | None
    left: int = 0  # catalog.calendar.workdays_left: negative once overdue
    overdue: bool = False

    @property
    def paused(self) -> bool:
        return self.due is None

    @property
    def due_soon(self) -> bool:
        return not self.paused and not self.overdue and self.left <= DUE_SOON_WORKDAYS

    @property
    def css_class(self) -> str:
        return "deadline-overdue" if self.overdue else "deadline-soon" if self.due_soon else ""

    @property
    def badge(self) -> str:
        # Words as well as colour, so the state is not told by colour alone.
        if self.paused:
            return ""
        if self.overdue:
            # The weekend right after the due day is overdue by 0 working days.
            return f"已超期{-self.left}个工作日" if self.left < 0 else "已超期"
        if self.left == 0:
            return "今日到期"
        return f"剩余{self.left}个工作日"


PAUSED = Deadline(label="补正期间暂停计时", due=None)


def case_deadline(case: Case, *, today: date) -> Deadline | None:
    """The limit running now: 受理 while 待受理, the decision while 审查中 or 待决定; `PAUSED`
    while 待补正; None before submission and after 办结."""
    if case.status == CaseStatus.CORRECTION:
        return PAUSED
    if case.status == CaseStatus.PENDING and case.accept_due:
        label, due = "受理期限", case.accept_due
    elif case.status in (CaseStatus.REVIEWING, CaseStatus.DECIDING) and case.decision_due:
        label, due = "办结期限", case.decision_due
    else:
        return None
    return deadline_on(label=label, due=due, today=today)


def deadline_on(*, label: str, due: date, today: date) -> Deadline:
    """How a limit ending on `due` stands on `today` (the 核查 tasks use it too)."""
    return Deadline(label=label, due=due, left=workdays_left(today=today, due=due), overdue=today > due)


# --- The same rules as queries, for figures over many cases (figures.selectors) -------------


def overdue_filter(*, today: date) -> Q:
    """The cases `case_deadline(case, today=today).overdue` calls overdue, as one filter: the
    受理 limit passed while 待受理, the decision limit while 审查中 or 待决定 (待补正 stands)."""
    return Q(status=CaseStatus.PENDING, accept_due__lt=today) | Q(
        status__in=(CaseStatus.REVIEWING, CaseStatus.DECIDING), decision_due__lt=today
    )


def on_time_filter() -> Q:
    """按期办结: decided on or before the last day of the decision limit (`decision_due`, which
    an approved extension moves), the day taken in the portal's time zone."""
    return Q(LessThanOrEqual(LocalDate("decided_at"), F("decision_due")))
