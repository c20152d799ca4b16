"""Reads of 督办, scoped to the person asking: who handles a case's step now, the 科室负责人's
督办 list of his own department (another department's cases and requests are not there, and
their URLs answer 404), and what the workbench's case page shows of 督办.

The authority's proceedings (撤销注册, 强制注销, ADR 27) are watched here too: their limits are
the holder's 陈述申辩 period and the leader's decision (`cases.deadlines`), read from the
`revocation.Proceeding` of the case (`revocation ← supervision`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import StaffRole, User
from cases.deadlines import (
    DECISION_STATUSES,
    AlertStage,
    Deadline,
    alert_stage,
    alert_window_end,
    case_deadlines,
    statement_period_over,
)
from cases.models import ActorRole, Case, CaseStatus
from cases.transitions import ROLE_QUEUE
from revocation.models import OPEN_STATUSES, Proceeding
from revocation.selectors import proceeding_decision_deadline
from supervision.models import EXTENSION_TAKEN, ClockPause, DeadlineStep, Extension, ExtensionStatus

# The staff role whose queue holds a case in each status: its handlers, reminded and told
# (no case names one handler; the whole role of the department works its queue).
HANDLER_ROLES: dict[CaseStatus, StaffRole] = {
    CaseStatus(status): StaffRole(role) for role, status in ROLE_QUEUE.items() if role != ActorRole.LEADER
}
# An extension waiting or granted: the case has had its one.


def handler_role(status: str) -> StaffRole | None:
    return HANDLER_ROLES.get(CaseStatus(status))


def is_leader(user: User) -> bool:
    """The 科室负责人 of a department: the 督办 list and the extension requests are his."""
    return user.is_department_leader


def is_handler(*, user: User, case: Case) -> bool:
    """Whether `user` works the step `case` is in now (its department, its role)."""
    role = handler_role(case.status)
    return (
        role is not None
        and user.is_active
        and user.is_department_staff
        and user.staff_role == role
        and user.department_id == case.department_id
    )


def step_of(case: Case) -> DeadlineStep:
    return DeadlineStep.ACCEPT if case.status == CaseStatus.PENDING else DeadlineStep.DECISION


def cases_near_due(*, within: date, department_id: int | None = None) -> QuerySet[Case]:
    """Cases whose running limit ends on `within` or earlier: 受理 while 待受理, the decision
    while 审查中 or 待决定 with its clock running (no 特别程序, not 待补正)."""
    cases = Case.objects.filter(
        Q(status=CaseStatus.PENDING, accept_due__lte=within)
        | Q(status__in=DECISION_STATUSES, decision_due__lte=within, clock_paused="")
    )
    if department_id is not None:
        cases = cases.filter(department_id=department_id)
    return cases.select_related("matter", "item")


def proceedings_open(*, department_id: int | None = None) -> QuerySet[Proceeding]:
    """The proceedings still running: in their 陈述申辩 period, or waiting for the decision."""
    found = Proceeding.objects.filter(case__status__in=OPEN_STATUSES)
    if department_id is not None:
        found = found.filter(case__department_id=department_id)
    return found.select_related("case__matter", "case__item")


def proceeding_lapsed(proceeding: Proceeding, *, today: date) -> bool:
    """Its 陈述申辩 period has ended with no answer: the leader may decide."""
    return proceeding.case.status == CaseStatus.STATEMENT and statement_period_over(
        due=proceeding.statement_due, today=today
    )


PROCEEDING_DECISION_STEP = "决定"


@dataclass(frozen=True)
class BoardRow:
    case: Case
    deadline: Deadline
    stage: AlertStage
    handler: str  # the role label of the step's handlers
    extension: Extension | None
    step_label: str = ""  # a proceeding's step; an application's is its case's

    @property
    def step(self) -> str:
        return self.step_label or str(step_of(self.case).label)

    @property
    def overdue_days(self) -> int:
        """Working days past the due day (0 on the due day itself)."""
        return max(-self.deadline.left, 0) if self.deadline.overdue else 0


@dataclass(frozen=True)
class LapsedRow:
    """A proceeding whose 陈述申辩 period ended unanswered, and its decision's limit."""

    proceeding: Proceeding
    deadline: Deadline


@dataclass
class Board:
    overdue: list[BoardRow] = field(default_factory=list)
    due_soon: list[BoardRow] = field(default_factory=list)
    paused: list[ClockPause] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    lapsed: list[LapsedRow] = field(default_factory=list)


def board_for_leader(*, user: User, today: date) -> Board:
    """The 督办 list: the department's cases on or past their last day, those within
    `REMIND_WORKDAYS` of it (proceedings by their decision's limit), the proceedings whose
    陈述申辩 period ended unanswered, the 特别程序 stopping a clock, and the extension requests
    waiting for the leader. Nothing for anyone but a department's 科室负责人."""
    board = Board()
    if not is_leader(user):
        return board
    department_id = user.department_id
    assert department_id is not None
    cases = list(cases_near_due(within=alert_window_end(today=today), department_id=department_id))
    extensions = {
        e.case_id: e
        for e in Extension.objects.filter(case__in=cases, status__in=EXTENSION_TAKEN).order_by("requested_at")
    }
    rows: list[BoardRow] = []
    # The calendar read once for all of them (cases.deadlines.case_deadlines), not once a row.
    for case, deadline in zip(cases, case_deadlines(cases, today=today), strict=True):
        stage = alert_stage(deadline, today=today)
        if deadline is None or stage is None:
            continue
        role = handler_role(case.status)
        rows.append(
            BoardRow(
                case=case,
                deadline=deadline,
                stage=stage,
                handler=str(role.label) if role else "",
                extension=extensions.get(case.pk),
            )
        )
    for proceeding in proceedings_open(department_id=department_id).order_by("statement_due", "pk"):
        deadline = proceeding_decision_deadline(proceeding, today=today)
        if proceeding_lapsed(proceeding, today=today):
            board.lapsed.append(LapsedRow(proceeding=proceeding, deadline=deadline))
        stage = alert_stage(deadline, today=today)
        if stage is not None:
            rows.append(
                BoardRow(
                    case=proceeding.case,
                    deadline=deadline,
                    stage=stage,
                    handler=str(StaffRole.LEADER.label),
                    extension=None,
                    step_label=PROCEEDING_DECISION_STEP,
                )
            )
    rows.sort(key=lambda r: (r.deadline.due or today, r.case.pk))
    board.overdue = [r for r in rows if r.stage == AlertStage.ESCALATE]
    board.due_soon = [r for r in rows if r.stage == AlertStage.REMIND]
    board.paused = list(
        ClockPause.objects.filter(
            case__department_id=department_id, case__status__in=DECISION_STATUSES, ended_on__isnull=True
        )
        .select_related("case__matter", "case__item")
        .order_by("ends_on", "pk")
    )
    board.extensions = list(extensions_waiting(user=user))
    return board


def extensions_waiting(*, user: User) -> QuerySet[Extension]:
    if not is_leader(user) or user.department_id is None:
        return Extension.objects.none()
    return (
        # A request whose case was decided meanwhile waits for nothing any more.
        Extension.objects.filter(
            status=ExtensionStatus.REQUESTED,
            case__department_id=user.department_id,
            case__status__in=DECISION_STATUSES,
        )
        .select_related("case__matter", "case__item")
        .order_by("requested_at", "pk")
    )


def extension_get_for_leader(*, user: User, pk: int) -> Extension:
    """An extension request of the leader's own department; anyone else's is 404."""
    if not is_leader(user) or user.department_id is None:
        raise Http404("没有这个延期申请")
    try:
        return Extension.objects.select_related("case").get(pk=pk, case__department_id=user.department_id)
    except Extension.DoesNotExist:
        raise Http404("没有这个延期申请") from None


def extension_of(case: Case) -> Extension | None:
    """The case's latest extension request, whatever its answer."""
    return case.extensions.order_by("-requested_at", "-pk").first()


def pause_open(case: Case) -> ClockPause | None:
    return case.pauses.filter(ended_on__isnull=True).first()
