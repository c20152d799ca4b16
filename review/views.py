"""The staff workbench (审批工作台): the queue of the user's role and department, the case
page, and one POST view for every decision (`decide`, driven by the `DECISIONS` table): form →
selector → one service from `review.services` → redirect back to the case page with what
happened.

Nothing imports `review` (DESIGN.md) except the demo and bench set-ups (`portal/demo.py`,
`portal/bench.py`), which walk cases through these services as staff would (ADR 10)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_POST

from accounts.models import StaffRole, User
from accounts.selectors import person_particulars, verified_identity
from audit.models import AuditAction
from audit.services import audit_record
from cases.deadlines import accept_workdays, case_deadline, case_deadlines, promised_workdays
from cases.documents import form_display, material_rows
from cases.models import Case, CaseAction, CaseEvent, ConfirmationStatus
from cases.register import register_record_for
from cases.selectors import case_get_for_staff, case_timeline
from cases.transitions import ROLE_QUEUE, actions_for
from cases.types import type_for_item
from catalog.calendar import calendar_warning
from catalog.registration_types import is_proceeding
from commitments.forms import CheckCloseForm
from commitments.models import CheckStatus
from commitments.selectors import (
    check_counts,
    check_get_for_staff,
    check_list_for_staff,
    check_rows,
    checks_for_case,
    proposal_for_case,
    proposals_for_staff,
)
from commitments.services import commitment_check_close, may_verify
from commitments.transitions import is_open as check_is_open
from lib.errors import ApplicationError
from paperwork.documents import REMEDIES_SENTENCE
from privacy.forms import CorrectionCloseForm
from privacy.models import CorrectionStatus
from privacy.selectors import correction_get_for_staff, correction_list_for_staff
from privacy.services import correction_request_close, may_close_corrections
from privacy.transitions import is_open
from ratings.selectors import rating_figures
from registry.selectors import case_name_differs, name_mismatch, with_register_name
from review import services
from review.forms import (
    QUEUE_TABS,
    AcceptForm,
    ApproveForm,
    CorrectionForm,
    DenyForm,
    QueueFilterForm,
    RejectForm,
    ReviewForm,
)
from review.selectors import case_queue, queue_counts
from revocation.selectors import proceeding_list_for_staff, sees_proceedings

PER_PAGE = 25


def _workbench_user(request: HttpRequest) -> User:
    """The signed-in staff member with a role on the workbench; anyone else is refused (an
    administrator has no queue: the admin site is theirs)."""
    user = request.user
    if (
        not isinstance(user, User)
        or not user.is_department_staff
        or user.staff_role not in ROLE_QUEUE
        or user.department_id is None
    ):
        raise PermissionDenied("审批工作台仅供受理、审查、审批人员使用")
    return user


# --- Queue --------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _workbench_user(request)
    default_tab = str(ROLE_QUEUE[user.staff_role])
    form = QueueFilterForm(request.GET)
    tab, query = default_tab, ""
    if form.is_valid():
        tab, query = form.cleaned_data["status"] or default_tab, form.cleaned_data["q"]
    counts = queue_counts(user=user, query=query)
    cases = case_queue(user=user, status=tab, query=query)
    # The applicant's masked number is shown; the mobile is not (each is decrypted when read).
    cases = with_register_name(cases.select_related("applicant").defer("applicant__mobile"))
    # The tab's count is among those just counted: the paginator counts nothing again.
    page = _Counted(cases, PER_PAGE, count=counts.get(tab, 0)).get_page(request.GET.get("page"))
    shown = list(page)
    today = timezone.localdate()
    return render(
        request,
        "review/queue.html",
        {
            "tabs": [
                {"value": value, "label": label, "count": counts.get(value, 0), "active": value == tab}
                for value, label in QUEUE_TABS
            ],
            "tab": tab,
            "query": query,
            "page": page,
            # The working-day calendar read once for the page, not once a row.
            "rows": [
                (case, deadline, case_name_differs(case))
                for case, deadline in zip(shown, case_deadlines(shown, today=today), strict=True)
            ],
            "warning": calendar_warning(today=today),
            "role_label": user.get_staff_role_display(),
            # 受理人员 also answer the correction requests of 我的信息.
            "open_corrections": correction_list_for_staff(user=user).count()
            if may_close_corrections(user)
            else None,
            # 审查人员 verify the commitments granted (ADR 20); deciders see them too.
            "check_counts": check_counts(user=user, today=today) if _sees_checks(user) else None,
            # 好差评 of the department, per matter: one query (ratings.selectors).
            "rating_figures": rating_figures(user=user),
            # 撤销注册 and 强制注销 (ADR 27): their own list, linked from here.
            "proceeding_count": proceeding_list_for_staff(user=user).count()
            if sees_proceedings(user)
            else None,
        },
    )


class _Counted(Paginator):  # type: ignore[type-arg]
    """A paginator told its count (one query for every tab's) instead of counting the rows."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count


# --- Case page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    event: CaseEvent
    correction_items: list[dict[str, str]]
    registration_number: str


def _timeline(case: Case) -> list[TimelineRow]:
    return [
        TimelineRow(
            event=e,
            correction_items=list(e.data.get("items") or []),
            registration_number=str(e.data.get("registration_number") or ""),
        )
        for e in case_timeline(case)
    ]


def _blank_form(action: str, case: Case) -> forms.Form:
    return DECISIONS[action].form(case)


def _case_page(
    request: HttpRequest,
    *,
    user: User,
    case: Case,
    bound: tuple[str, forms.Form] | None = None,
    revealed: bool = False,
) -> HttpResponse:
    today = timezone.localdate()
    # The workbench's own decisions; the 督办 steps (延期, 特别程序) have their panel.
    allowed = [a for a in actions_for(status=case.status, role=user.staff_role) if a in DECISIONS]
    action_forms = {str(a): _blank_form(a, case) for a in allowed}
    if bound is not None and bound[0] in action_forms:
        action_forms[bound[0]] = bound[1]
    return render(
        request,
        "review/case.html",
        {
            "case": case,
            "applicant": case.applicant,
            # 性别 and 出生日期 as the register will take them (ADR 0038): checked against the
            # 身份证明 when the applicant typed them for a document other than the 居民身份证.
            "particulars": person_particulars(case.applicant),
            "sections": [
                (title, [(label, value or "—") for label, value in rows])
                for title, rows in form_display(case, omit_blank=False)
            ],
            # What the register holds for the applicant now, to check the answers against.
            "record": register_record_for(case.applicant) if type_for_item(case.item) else None,
            "name_mismatch": name_mismatch(applicant=case.applicant),
            # Verified once, then cleared (the upgrade, an administrator): the register will not
            # change for an identity nobody has confirmed, so 准予 would be refused.
            "applicant_unverified": verified_identity(case.applicant) is None,
            "materials": material_rows(item=case.item, form_data=case.form_data, case=case),
            # 单位确认 and 解聘确认 (ADR 19): who answered online, when, and any objection.
            "confirmations": case.confirmations.exclude(status=ConfirmationStatus.CANCELLED),
            "objections": case.confirmations.filter(status=ConfirmationStatus.OBJECTED),
            "timeline": _timeline(case),
            "checks": check_rows(list(checks_for_case(case)), today=today),
            "proposal": proposal_for_case(case),
            "sees_checks": _sees_checks(user),
            "notices": case.notices.all(),
            "deadline": case_deadline(case, today=today),
            "accept_workdays": accept_workdays(case.item),
            "promised_workdays": promised_workdays(case.item),
            "action_forms": action_forms,
            "remedies": REMEDIES_SENTENCE,
            "warning": calendar_warning(today=today),
            "role_label": user.get_staff_role_display(),
            "revealed": revealed,
            # 受理人员 also answer the correction requests of 我的信息.
            "open_corrections": correction_list_for_staff(user=user).count()
            if may_close_corrections(user)
            else None,
        },
    )


# 「显示完整号码」 asks the server (`?show=id_number`), so that each reveal is on the audit trail;
# the page itself carries the masked number only.
REVEAL_PARAM, REVEAL_ID_NUMBER = "show", "id_number"


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    if is_proceeding(case.item.code):
        # A proceeding of the authority (ADR 27) has its own page: no form, no materials.
        return redirect("revocation:case", pk=case.pk)
    revealed = request.GET.get(REVEAL_PARAM) == REVEAL_ID_NUMBER and bool(case.applicant.id_number)
    # One row per page: a reveal is a view of the case with the full number.
    audit_record(
        action=AuditAction.NUMBER_REVEAL if revealed else AuditAction.CASE_VIEW,
        request=request,
        obj=case,
        label=f"{case.number} {case.applicant_name}",
        subject_id=case.applicant_id,
        detail={"号码": "证件号码"} if revealed else None,
    )
    return _case_page(request, user=user, case=case, revealed=revealed)


# --- Decisions ----------------------------------------------------------------------------
# One view for every decision, driven by `DECISIONS`: the form (its prefix is the URL name)
# and the service from `review.services`, which returns what staff are told when it is done.


def _accept(case: Case, actor: User, form: forms.Form) -> str:
    services.case_accept(case=case, actor=actor, opinion=form.cleaned_data["opinion"].strip())
    return "已受理，受理通知书已生成，已短信通知申请人"


def _request_correction(case: Case, actor: User, form: forms.Form) -> str:
    assert isinstance(form, CorrectionForm)
    items = form.correction_items()
    services.case_request_correction(
        case=case, actor=actor, items=items, opinion=form.cleaned_data["opinion"].strip()
    )
    return f"已一次性告知补正{len(items)}项材料，补正告知书已生成，已短信通知申请人"


def _reject(case: Case, actor: User, form: forms.Form) -> str:
    services.case_reject(case=case, actor=actor, reason=form.cleaned_data["reason"])
    return "已决定不予受理，不予受理决定书已生成，已短信通知申请人"


def _review(case: Case, actor: User, form: forms.Form) -> str:
    services.case_review(case=case, actor=actor, opinion=form.cleaned_data["opinion"])
    return "审查意见已提交，办件已转审批人员决定"


def _approve(case: Case, actor: User, form: forms.Form) -> str:
    services.case_approve(
        case=case,
        actor=actor,
        opinion=form.cleaned_data["opinion"].strip(),
        name_confirmed=form.cleaned_data["name_confirmed"],
    )
    return "已准予许可，注册信息已登记，准予行政许可决定书已生成，已短信通知申请人"


def _deny(case: Case, actor: User, form: forms.Form) -> str:
    services.case_deny(case=case, actor=actor, reason=form.cleaned_data["reason"])
    return "已决定不予许可，不予行政许可决定书已生成，已短信通知申请人"


def _case_materials(case: Case) -> dict[str, Any]:
    return {"materials": list(case.item.materials.all())}


@dataclass(frozen=True)
class Decision:
    name: str  # the URL name and the form's prefix
    form_class: type[forms.Form]
    decide: Callable[[Case, User, forms.Form], str]
    form_kwargs: Callable[[Case], dict[str, Any]] | None = None

    def form(self, case: Case, data: QueryDict | None = None) -> forms.Form:
        kwargs = self.form_kwargs(case) if self.form_kwargs else {}
        return self.form_class(data, prefix=self.name, **kwargs)


DECISIONS: dict[str, Decision] = {
    CaseAction.ACCEPT: Decision("accept", AcceptForm, _accept),
    CaseAction.REQUEST_CORRECTION: Decision(
        "correction", CorrectionForm, _request_correction, form_kwargs=_case_materials
    ),
    CaseAction.REJECT: Decision("reject", RejectForm, _reject),
    CaseAction.REVIEW: Decision("review", ReviewForm, _review),
    CaseAction.APPROVE: Decision("approve", ApproveForm, _approve),
    CaseAction.DENY: Decision("deny", DenyForm, _deny),
}


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Form → selector → one service → back to the case page with what happened, or why the
    service refused (the case moved on meanwhile, another role's step, …). A refusal has
    written nothing: the service is one transaction."""
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = DECISIONS[action].form(case, request.POST)
    if not form.is_valid():
        # Shown again with what was typed, so a long opinion is not lost to a missing field.
        messages.error(request, "请按提示补充或更正填写的内容")
        return _case_page(request, user=user, case=case, bound=(action, form))
    try:
        success = DECISIONS[action].decide(case, user, form)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, success)
    return redirect("review:case", pk=case.pk)


# --- 告知承诺核查 (ADR 20): the department's tasks after the grant -----------------------------


def _sees_checks(user: User) -> bool:
    """Those who verify (审查人员) and those who decide on a 撤销 proposal (审批人员)."""
    return user.staff_role in (StaffRole.REVIEWER, StaffRole.DECIDER)


def _checks_user(request: HttpRequest) -> User:
    user = _workbench_user(request)
    if not _sees_checks(user):
        raise PermissionDenied("告知承诺核查由审查人员办理")
    return user


@login_required
@require_GET
def checks(request: HttpRequest) -> HttpResponse:
    """The 核查 tasks, open ones soonest due first with their overdue flags, and the 撤销
    proposals that commitments found untrue have raised."""
    user = _checks_user(request)
    status = request.GET.get("status") or CheckStatus.OPEN
    if status not in CheckStatus.values:
        status = CheckStatus.OPEN
    page = Paginator(check_list_for_staff(user=user, status=status), PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    acts = may_verify(user)
    rows = [
        (row, CheckCloseForm(prefix=f"k{row.check.pk}") if acts and check_is_open(row.check.status) else None)
        for row in check_rows(list(page), today=today)
    ]
    tabs = [{"value": s.value, "label": s.label, "active": s == status} for s in CheckStatus]
    return render(
        request,
        "review/checks.html",
        {
            "page": page,
            "rows": rows,
            "tabs": tabs,
            "status": status,
            "proposals": proposals_for_staff(user=user)[:PER_PAGE],
            "may_verify": acts,
            "warning": calendar_warning(today=today),
        },
    )


@login_required
@require_POST
def check_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _checks_user(request)
    check = check_get_for_staff(user=user, pk=pk)
    form = CheckCloseForm(request.POST, prefix=f"k{pk}")
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("review:checks")
    try:
        closed = commitment_check_close(
            check=check,
            by=user,
            outcome=form.cleaned_data["outcome"],
            finding=form.cleaned_data["finding"],
            request=request,
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        if closed.status == CheckStatus.UNTRUE:
            messages.success(
                request, "已记录承诺不实：已提请撤销注册，告知承诺核查不实告知书已生成，已通知持证人"
            )
        else:
            messages.success(request, "已记录核查属实，核查任务已办结")
    return redirect("review:checks")


# --- 更正申请 (privacy): the department's 受理人员 answer a person's request -------------------


def _correction_user(request: HttpRequest) -> User:
    user = _workbench_user(request)
    if not may_close_corrections(user):
        raise PermissionDenied("更正申请由受理人员办理")
    return user


@login_required
@require_GET
def corrections(request: HttpRequest) -> HttpResponse:
    user = _correction_user(request)
    status = request.GET.get("status") or CorrectionStatus.OPEN
    if status not in CorrectionStatus.values:
        status = CorrectionStatus.OPEN
    page = Paginator(correction_list_for_staff(user=user, status=status), PER_PAGE).get_page(
        request.GET.get("page")
    )
    tabs = [{"value": s.value, "label": s.label, "active": s == status} for s in CorrectionStatus]
    rows = [(c, CorrectionCloseForm(prefix=f"c{c.pk}") if is_open(c.status) else None) for c in page]
    return render(
        request, "review/corrections.html", {"page": page, "rows": rows, "tabs": tabs, "status": status}
    )


@login_required
@require_POST
def correction_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _correction_user(request)
    correction = correction_get_for_staff(user=user, pk=pk)
    form = CorrectionCloseForm(request.POST, prefix=f"c{pk}")
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("review:corrections")
    try:
        closed = correction_request_close(
            correction=correction,
            by=user,
            outcome=form.cleaned_data["outcome"],
            reply=form.cleaned_data["reply"],
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已办理：{closed.get_status_display()}，申请人会收到站内消息")
    return redirect("review:corrections")
