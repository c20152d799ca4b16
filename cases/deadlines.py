"""The one home of the legal time limits (《行政许可法》 Art. 32, 42; DOMAIN.md "time limits"):
when a step's limit ends, which limit runs for a case now, and how it stands today.

Limits count working days from the day after their start (`catalog.calendar`): 受理 within
the 受理时限 of the submission, the decision within the 承诺时限 of 受理, each set per 事项 in
the catalogue and overridden per 办理项 (`accept_workdays`, `promised_workdays`). While the
case waits for 补正 no limit runs; the 受理 limit starts again at the resubmission. The
services write the due days with the case; the workbench, the applicant's page and their
templates read them through `case_deadline`.

督办 (ADR 25): the handler is reminded `REMIND_WORKDAYS` before a limit ends and the case is
escalated on its last day (`alert_stage`); the decision period may be extended once by
`EXTENSION_WORKDAYS` (《行政许可法》 Art 42); a 特别程序 (专家评审, 听证, 检验检测, Art 45)
stops the decision clock, and ending it moves the due day by the working days it took
(`pause_ends_on`, `resumed_due_on`).

After a grant, a 告知承诺 is verified within its material's 核查期限 (working days, set in the
catalogue) from the day of the grant (`verification_due_on`, ADR 20); a commitment found
untrue gives the holder `STATEMENT_WORKDAYS` from the notice to state their case.

The authority's own proceedings (撤销注册, 强制注销, ADR 27) give the holder the same
`STATEMENT_WORKDAYS`; the holder is reminded `REMIND_WORKDAYS` before its last day
(`statement_stage`), and the 科室负责人 decides within `PROCEEDING_DECISION_WORKDAYS` of the
answer, or of the period's end when none came (`proceeding_decision_due_on`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from django.db.models import F, Q

from cases.models import Case, CaseStatus, PauseKind
from catalog.calendar import workday_add, workday_counter, workdays_left
from catalog.models import ServiceItem
from lib.workdays import WorkdayCounter

# The statutory 受理 limit (Art 32), the catalogue's default for a new 事项.
ACCEPT_WORKDAYS = 5
# 陈述、申辩 after a commitment was found untrue: the period the notice states (ADR 20).
STATEMENT_WORKDAYS = 5
# "Nearly due" in the words: at most this many working days left.
DUE_SOON_WORKDAYS = 2
# 督办: the handler is reminded when at most this many working days are left.
REMIND_WORKDAYS = DUE_SOON_WORKDAYS
# 《行政许可法》 Art 42: 经本行政机关负责人批准，可以延长十日.
EXTENSION_WORKDAYS = 10
# 撤销注册 / 强制注销: the decision within this many working days of the holder's answer or of
# the end of an unanswered 陈述申辩 period (ADR 27). No statute sets it; ten working days is the
# province's practice for a decision after 陈述申辩, and the shortest of the application limits.
PROCEEDING_DECISION_WORKDAYS = 10


def accept_workdays(item: ServiceItem) -> int:
    """The 受理时限 of a 办理项: its own, else its 事项's (both edited in the admin)."""
    return item.accept_days or item.matter.accept_days


def promised_workdays(item: ServiceItem) -> int:
    """The 承诺时限 of a 办理项: its own, else its 事项's."""
    return item.promised_days or item.matter.promised_days


def accept_due_on(*, submitted_on: date, days: int) -> date:
    """The last day for 受理 (or 补正 / 不予受理) of a case submitted on `submitted_on`, with
    a 受理时限 of `days` (`accept_workdays`)."""
    return workday_add(start=submitted_on, days=days)


def decision_due_on(*, accepted_on: date, promised_days: int) -> date:
    """The last day for the decision of a case accepted on `accepted_on` (承诺时限)."""
    return workday_add(start=accepted_on, days=promised_days)


def extended_due_on(*, due: date) -> date:
    """The decision's last day once the one extension (Art 42) is granted."""
    return workday_add(start=due, days=EXTENSION_WORKDAYS)


def pause_ends_on(*, paused_on: date, days: int) -> date:
    """The last day a 特别程序 of `days` working days, started on `paused_on`, stops the clock."""
    return workday_add(start=paused_on, days=days)


def paused_workdays(*, paused_on: date, ends_on: date, resumed_on: date) -> int:
    """The working days a 特别程序 stopped the clock: those after the day it started, up to
    the day it ended, and never more than it stated (`ends_on`, whoever ends it late)."""
    last = min(resumed_on, ends_on)
    return workdays_left(today=paused_on, due=last) if last > paused_on else 0


def resumed_due_on(*, due: date, paused: int) -> date:
    """The decision's last day after a 特别程序 that stopped the clock `paused` working days."""
    return workday_add(start=due, days=paused) if paused else due


def verification_due_on(*, granted_on: date, days: int) -> date:
    """The last day to verify a 告知承诺 of a case granted on `granted_on` (核查期限)."""
    return workday_add(start=granted_on, days=days)


def statement_due_on(*, notified_on: date) -> date:
    """The last day for the holder's 陈述、申辩 to a notice issued on `notified_on`."""
    return workday_add(start=notified_on, days=STATEMENT_WORKDAYS)


def statement_period_over(*, due: date, today: date) -> bool:
    """The 陈述申辩 period ended with `due`: the holder may no longer answer, and the decision
    no longer waits for him."""
    return today > due


def proceeding_decision_due_on(*, statement_due: date, stated_on: date | None) -> date:
    """The last day for the decision of a proceeding whose 陈述申辩 period ends on
    `statement_due`: counted from the holder's answer (`stated_on`), else from that day."""
    return workday_add(start=stated_on or statement_due, days=PROCEEDING_DECISION_WORKDAYS)


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
# The decision statuses, whose clock a 特别程序 may stop (Art 45).
DECISION_STATUSES = frozenset({CaseStatus.REVIEWING, CaseStatus.DECIDING})


def pause_deadline(kind: str) -> Deadline:
    """The decision clock stopped by a 特别程序 of `kind`."""
    return Deadline(label=f"{PauseKind(kind).label}期间暂停计时", due=None)


def case_deadline(case: Case, *, today: date, counter: WorkdayCounter | None = None) -> Deadline | None:
    """The limit running now: 受理 while 待受理, the decision while 审查中 or 待决定; `PAUSED`
    while 待补正, and a paused one during a 特别程序; None before submission and after 办结.
    `counter`: the calendar read once for a list (`case_deadlines`)."""
    if case.status == CaseStatus.CORRECTION:
        return PAUSED
    if case.status in DECISION_STATUSES and case.clock_paused:
        return pause_deadline(case.clock_paused)
    if case.status == CaseStatus.PENDING and case.accept_due:
        label, due = "受理期限", case.accept_due
    elif case.status in DECISION_STATUSES and case.decision_due:
        label, due = "办结期限", case.decision_due
    else:
        return None
    return deadline_on(label=label, due=due, today=today, counter=counter)


def case_deadlines(cases: Sequence[Case], *, today: date) -> list[Deadline | None]:
    """`case_deadline` of each of a page's cases, in order, with one read of the calendar for
    them all (a read per row made the workbench's queries grow with its page)."""
    days = [today, *(d for case in cases for d in (case.accept_due, case.decision_due) if d)]
    counter = workday_counter(start=min(days), end=max(days))
    return [case_deadline(case, today=today, counter=counter) for case in cases]


class AlertStage(Enum):
    """What 督办 does for a running limit today."""

    REMIND = "remind"  # at most REMIND_WORKDAYS left: tell the handler
    ESCALATE = "escalate"  # its last day, or later: the leader's 督办 list
    LAPSED = "lapsed"  # a 陈述申辩 period ended unanswered: the leader may decide


def alert_stage(deadline: Deadline | None, *, today: date) -> AlertStage | None:
    """ESCALATE from the last day on, REMIND in the `REMIND_WORKDAYS` before it, else None
    (nothing running, or the clock stopped). A job that missed days escalates only."""
    if deadline is None or deadline.due is None:
        return None
    if today >= deadline.due:
        return AlertStage.ESCALATE
    if deadline.left <= REMIND_WORKDAYS:
        return AlertStage.REMIND
    return None


def statement_stage(*, due: date, today: date) -> AlertStage | None:
    """A proceeding's 陈述申辩 period, not yet answered, ending on `due`: REMIND the holder
    from `REMIND_WORKDAYS` before its last day to that day (an answer on it is still in time),
    LAPSED once it has passed, else None."""
    if statement_period_over(due=due, today=today):
        return AlertStage.LAPSED
    if workdays_left(today=today, due=due) <= REMIND_WORKDAYS:
        return AlertStage.REMIND
    return None


def alert_window_end(*, today: date) -> date:
    """The last due day that `alert_stage` may act on today: `REMIND_WORKDAYS` ahead."""
    return workday_add(start=today, days=REMIND_WORKDAYS)


def deadline_on(*, label: str, due: date, today: date, counter: WorkdayCounter | None = None) -> Deadline:
    """How a limit ending on `due` stands on `today` (the 核查 tasks use it too)."""
    left = workdays_left(today=today, due=due, counter=counter)
    return Deadline(label=label, due=due, left=left, overdue=today > due)


# --- The same rules as queries, for figures over many cases (figures.selectors) -------------


def overdue_filter(*, today: date) -> Q:
    """The cases `case_deadline(case, today=today).overdue` calls overdue, as one filter: the
    受理 limit passed while 待受理, the decision limit while 审查中 or 待决定 and its clock is
    not stopped by a 特别程序 (待补正 stands too)."""
    return Q(status=CaseStatus.PENDING, accept_due__lt=today) | Q(
        status__in=DECISION_STATUSES, decision_due__lt=today, clock_paused=""
    )


def on_time_filter() -> Q:
    """按期办结: decided on or before the last day of the decision limit (`decision_due`, which
    an approved extension moves), the day taken in the portal's time zone (`Case.decided_on`)."""
    return Q(decided_on__lte=F("decision_due"))
