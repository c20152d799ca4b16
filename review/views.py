"""The staff workbench (审批工作台): the queue of the user's role and department, the case
page, and one POST per decision. Each decision view is form → selector → one service from
`review.services` → redirect back to the case page with what happened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.selectors import verified_identity
from cases.documents import form_display
from cases.models import FINISHED_STATUSES, Attachment, Case, CaseAction, CaseEvent, CaseStatus
from cases.register import register_record_for
from cases.selectors import case_get_for_staff, case_timeline
from cases.services import current_attachments
from cases.transitions import ROLE_QUEUE, actions_for
from cases.types import required_materials, type_for_item
from catalog.calendar import calendar_warning, workdays_left
from catalog.models import Material
from lib.errors import ApplicationError
from paperwork.documents import REMEDIES_SENTENCE
from registry.selectors import case_name_differs, name_mismatch, with_register_name
from review import services
from review.forms import (
    FINISHED,
    QUEUE_TABS,
    AcceptForm,
    ApproveForm,
    CorrectionForm,
    DenyForm,
    QueueFilterForm,
    RejectForm,
    ReviewForm,
)
from review.selectors import ALL, case_queue

PER_PAGE = 25
# "Nearly due" in the words: at most this many working days left.
DUE_SOON_WORKDAYS = 2


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


# --- Deadlines ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    left: int  # catalog.calendar.workdays_left: negative once overdue
    overdue: bool

    @property
    def due_soon(self) -> bool:
        return not self.overdue and self.left <= DUE_SOON_WORKDAYS

    @property
    def css_class(self) -> str:
        return "deadline-overdue" if self.overdue else "deadline-soon" if self.due_soon else ""

    @property
    def badge(self) -> str:
        # Words as well as colour, so the state is not told by colour alone.
        if self.overdue:
            # The weekend right after the due day is overdue by 0 working days.
            return f"已超期{-self.left}个工作日" if self.left < 0 else "已超期"
        if self.left == 0:
            return "今日到期"
        return f"剩余{self.left}个工作日"


def _deadline(case: Case, today: date) -> Deadline | None:
    """The limit running now: 受理 while 待受理, the decision while 审查中 or 待决定. None while
    the clock stands (待补正) or after 办结."""
    if case.status == CaseStatus.PENDING and case.accept_due:
        label, due = "受理期限", case.accept_due
    elif case.status in (CaseStatus.REVIEWING, CaseStatus.DECIDING) and case.decision_due:
        label, due = "办结期限", case.decision_due
    else:
        return None
    return Deadline(label=label, due=due, left=workdays_left(today=today, due=due), overdue=today > due)


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
    cases = case_queue(user=user, status=ALL if tab == FINISHED else tab, query=query)
    if tab == FINISHED:
        cases = cases.filter(status__in=FINISHED_STATUSES)
    cases = with_register_name(cases.select_related("applicant"))
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "review/queue.html",
        {
            "tabs": _tabs(user=user, current=tab, query=query),
            "tab": tab,
            "query": query,
            "page": page,
            "rows": [(case, _deadline(case, today), case_name_differs(case)) for case in page],
            "warning": calendar_warning(today=today),
            "role_label": user.get_staff_role_display(),
        },
    )


def _tabs(*, user: User, current: str, query: str) -> list[dict[str, Any]]:
    counts = dict(
        case_queue(user=user, status=ALL, query=query)
        .order_by()  # no ORDER BY columns in the GROUP BY
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    finished = sum(n for status, n in counts.items() if status in FINISHED_STATUSES)
    totals = {**counts, FINISHED: finished, ALL: sum(counts.values())}
    return [
        {"value": value, "label": label, "count": totals.get(value, 0), "active": value == current}
        for value, label in QUEUE_TABS
    ]


# --- Case page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    attachment: Attachment
    is_image: bool


@dataclass(frozen=True)
class MaterialRow:
    material: Material
    required: bool
    files: list[FileRow] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineRow:
    event: CaseEvent
    correction_items: list[dict[str, str]]
    registration_number: str


def _materials(case: Case) -> list[MaterialRow]:
    files = current_attachments(case)
    required = {m.code for m in required_materials(item=case.item, form_data=case.form_data)}
    return [
        MaterialRow(
            material=m,
            required=m.code in required,
            files=[FileRow(a, a.content_type.startswith("image/")) for a in files.get(m.code, [])],
        )
        for m in case.item.materials.all()
    ]


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
    if action == CaseAction.REQUEST_CORRECTION:
        return CorrectionForm(prefix="correction", materials=list(case.item.materials.all()))
    form_class, prefix = ACTION_FORMS[action]
    return form_class(prefix=prefix)


def _case_page(
    request: HttpRequest, *, user: User, case: Case, bound: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    today = timezone.localdate()
    allowed = actions_for(status=case.status, role=user.staff_role)
    action_forms = {str(a): _blank_form(a, case) for a in allowed}
    if bound is not None and bound[0] in action_forms:
        action_forms[bound[0]] = bound[1]
    return render(
        request,
        "review/case.html",
        {
            "case": case,
            "applicant": case.applicant,
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
            "materials": _materials(case),
            "timeline": _timeline(case),
            "notices": case.notices.all(),
            "deadline": _deadline(case, today),
            "action_forms": action_forms,
            "remedies": REMEDIES_SENTENCE,
            "warning": calendar_warning(today=today),
            "role_label": user.get_staff_role_display(),
        },
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    return _case_page(request, user=user, case=case_get_for_staff(user=user, pk=pk))


# --- Decisions ----------------------------------------------------------------------------

ACTION_FORMS: dict[str, tuple[type[forms.Form], str]] = {
    CaseAction.ACCEPT: (AcceptForm, "accept"),
    CaseAction.REJECT: (RejectForm, "reject"),
    CaseAction.REVIEW: (ReviewForm, "review"),
    CaseAction.APPROVE: (ApproveForm, "approve"),
    CaseAction.DENY: (DenyForm, "deny"),
}


@contextmanager
def _outcome(request: HttpRequest, *, success: str) -> Iterator[None]:
    """Tell staff what the service did, or why it refused (the case moved on meanwhile,
    another role's step, …). A refusal has written nothing: the service is one transaction."""
    try:
        yield
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, success)


def _invalid(request: HttpRequest, *, user: User, case: Case, action: str, form: forms.Form) -> HttpResponse:
    # Shown again with what was typed, so a long opinion is not lost to a missing field.
    messages.error(request, "请按提示补充或更正填写的内容")
    return _case_page(request, user=user, case=case, bound=(action, form))


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = AcceptForm(request.POST, prefix="accept")
    if not form.is_valid():
        return _invalid(request, user=user, case=case, action=CaseAction.ACCEPT, form=form)
    with _outcome(request, success="已受理，受理通知书已生成，已短信通知申请人"):
        services.case_accept(case=case, actor=user, opinion=form.cleaned_data["opinion"].strip())
    return redirect("review:case", pk=case.pk)


@login_required
@require_POST
def correction(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = CorrectionForm(request.POST, prefix="correction", materials=list(case.item.materials.all()))
    if not form.is_valid():
        return _invalid(request, user=user, case=case, action=CaseAction.REQUEST_CORRECTION, form=form)
    items = form.correction_items()
    with _outcome(request, success=f"已一次性告知补正{len(items)}项材料，补正告知书已生成，已短信通知申请人"):
        services.case_request_correction(
            case=case, actor=user, items=items, opinion=form.cleaned_data["opinion"].strip()
        )
    return redirect("review:case", pk=case.pk)


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = RejectForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _invalid(request, user=user, case=case, action=CaseAction.REJECT, form=form)
    with _outcome(request, success="已决定不予受理，不予受理决定书已生成，已短信通知申请人"):
        services.case_reject(case=case, actor=user, reason=form.cleaned_data["reason"])
    return redirect("review:case", pk=case.pk)


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = ReviewForm(request.POST, prefix="review")
    if not form.is_valid():
        return _invalid(request, user=user, case=case, action=CaseAction.REVIEW, form=form)
    with _outcome(request, success="审查意见已提交，办件已转审批人员决定"):
        services.case_review(case=case, actor=user, opinion=form.cleaned_data["opinion"])
    return redirect("review:case", pk=case.pk)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = ApproveForm(request.POST, prefix="approve")
    if not form.is_valid():
        return _invalid(request, user=user, case=case, action=CaseAction.APPROVE, form=form)
    with _outcome(request, success="已准予许可，注册信息已登记，准予行政许可决定书已生成，已短信通知申请人"):
        services.case_approve(
            case=case,
            actor=user,
            opinion=form.cleaned_data["opinion"].strip(),
            name_confirmed=form.cleaned_data["name_confirmed"],
        )
    return redirect("review:case", pk=case.pk)


@login_required
@require_POST
def deny(request: HttpRequest, pk: int) -> HttpResponse:
    user = _workbench_user(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = DenyForm(request.POST, prefix="deny")
    if not form.is_valid():
        return _invalid(request, user=user, case=case, action=CaseAction.DENY, form=form)
    with _outcome(request, success="已决定不予许可，不予行政许可决定书已生成，已短信通知申请人"):
        services.case_deny(case=case, actor=user, reason=form.cleaned_data["reason"])
    return redirect("review:case", pk=case.pk)
