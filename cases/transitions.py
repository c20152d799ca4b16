"""The allowed status changes of a case, as data (DOMAIN.md, 《行政许可法》 steps).

Everything else is derived from this table: which buttons a page shows, whether an applicant
may withdraw, which role may act. `cases.services.case_transition` refuses any change that
is not in it."""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import ActorRole, CaseAction, CaseStatus


@dataclass(frozen=True)
class Transition:
    source: CaseStatus
    action: CaseAction
    target: CaseStatus
    role: ActorRole


S, A, R = CaseStatus, CaseAction, ActorRole

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, A.SUBMIT, S.PENDING, R.APPLICANT),
    Transition(S.DRAFT, A.WITHDRAW, S.WITHDRAWN, R.APPLICANT),
    # 单位确认 (ADR 19). Each enterprise's answer is a step of its own that leaves the case
    # waiting; when nothing waits any more, FORWARD hands it to the department (the legal
    # clock starts there). 退回 and 改为纸质确认 give it back to the applicant.
    Transition(S.DRAFT, A.SUBMIT_TO_EMPLOYER, S.CONFIRMING, R.APPLICANT),
    Transition(S.CONFIRMING, A.EMPLOYER_CONFIRM, S.CONFIRMING, R.EMPLOYER),
    Transition(S.CONFIRMING, A.EMPLOYER_RETURN, S.DRAFT, R.EMPLOYER),
    Transition(S.CONFIRMING, A.RELEASE_AGREE, S.CONFIRMING, R.FORMER_EMPLOYER),
    Transition(S.CONFIRMING, A.RELEASE_OBJECT, S.CONFIRMING, R.FORMER_EMPLOYER),
    Transition(S.CONFIRMING, A.RELEASE_DEEMED, S.CONFIRMING, R.SYSTEM),
    Transition(S.CONFIRMING, A.FORWARD, S.PENDING, R.SYSTEM),
    Transition(S.CONFIRMING, A.PAPER_PATH, S.DRAFT, R.APPLICANT),
    Transition(S.CONFIRMING, A.WITHDRAW, S.WITHDRAWN, R.APPLICANT),
    Transition(S.PENDING, A.WITHDRAW, S.WITHDRAWN, R.APPLICANT),
    Transition(S.PENDING, A.ACCEPT, S.REVIEWING, R.ACCEPTOR),
    Transition(S.PENDING, A.REQUEST_CORRECTION, S.CORRECTION, R.ACCEPTOR),
    Transition(S.PENDING, A.REJECT, S.REJECTED, R.ACCEPTOR),
    Transition(S.CORRECTION, A.RESUBMIT, S.PENDING, R.APPLICANT),
    Transition(S.REVIEWING, A.REVIEW, S.DECIDING, R.REVIEWER),
    Transition(S.DECIDING, A.APPROVE, S.APPROVED, R.DECIDER),
    Transition(S.DECIDING, A.DENY, S.DENIED, R.DECIDER),
    # 督办 (ADR 25), steps that keep the status, as 单位确认's do: the 科室负责人 grants the one
    # extension of the decision period; the handler of the step stops the clock for a 特别程序
    # and restarts it, or the daily job does when the stated days have passed.
    Transition(S.REVIEWING, A.EXTEND, S.REVIEWING, R.LEADER),
    Transition(S.DECIDING, A.EXTEND, S.DECIDING, R.LEADER),
    Transition(S.REVIEWING, A.PAUSE, S.REVIEWING, R.REVIEWER),
    Transition(S.DECIDING, A.PAUSE, S.DECIDING, R.DECIDER),
    Transition(S.REVIEWING, A.RESUME, S.REVIEWING, R.REVIEWER),
    Transition(S.DECIDING, A.RESUME, S.DECIDING, R.DECIDER),
    Transition(S.REVIEWING, A.RESUME_DUE, S.REVIEWING, R.SYSTEM),
    Transition(S.DECIDING, A.RESUME_DUE, S.DECIDING, R.SYSTEM),
)

_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}


def transition_find(*, status: str, action: str) -> Transition | None:
    return _BY_KEY.get((CaseStatus(status), CaseAction(action)))


def actions_for(*, status: str, role: str) -> list[CaseAction]:
    """What `role` may do to a case in `status`, in table order."""
    return [t.action for t in TRANSITIONS if t.source == status and t.role == role]


def can_withdraw(status: str) -> bool:
    return CaseAction.WITHDRAW in actions_for(status=status, role=ActorRole.APPLICANT)


# The queue each staff role works from.
ROLE_QUEUE: dict[str, CaseStatus] = {
    R.ACCEPTOR: S.PENDING,
    R.REVIEWER: S.REVIEWING,
    R.DECIDER: S.DECIDING,
    # The 科室负责人 takes no step that moves an applicant's case: his page is the 督办 list
    # (`supervision`); on the workbench he reads the department's cases, the decisions
    # waiting first.
    R.LEADER: S.DECIDING,
}
