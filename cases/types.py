"""Per-type definitions of the 办理项: the form, the materials that are required for this
application, and the eligibility checks. One entry per `ServiceItem.code`; the next
registration types are added here, not as special cases elsewhere.

Eligibility that needs the register is supplied by `registry` (which `cases` may not import):
`registry.apps` registers its checks with `eligibility_register` when Django starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from accounts.models import IdType, User
from cases.forms import ApplicationForm, InitialRegistrationForm, continuing_education_required
from cases.models import Case, CaseStatus
from catalog.models import Material, ServiceItem
from lib.idcard import IdNumberError, id_number_birth_date

# DOMAIN.md: nobody may start these from 90 days before the 65th birthday.
AGE_LIMIT_YEARS = 65
AGE_LIMIT_MARGIN = timedelta(days=90)

EligibilityCheck = Callable[[User, date], str | None]


@dataclass(frozen=True)
class ApplicationType:
    code: str
    form_title: str
    form_class: type[ApplicationForm]
    # Materials that become required by what the form says (code → predicate on form data).
    conditional_materials: dict[str, Callable[[dict[str, Any]], bool]] = field(default_factory=dict)
    age_limited: bool = True


TYPES: dict[str, ApplicationType] = {
    "initial": ApplicationType(
        code="initial",
        form_title="二级注册建造师初始注册申请表",
        form_class=InitialRegistrationForm,
        conditional_materials={"continuing_education": continuing_education_required},
    ),
}

_REGISTER_CHECKS: dict[str, list[EligibilityCheck]] = {}


def eligibility_register(code: str, check: EligibilityCheck) -> None:
    """Add a check for the type `code` (called by `registry` at start-up)."""
    if check not in _REGISTER_CHECKS.setdefault(code, []):
        _REGISTER_CHECKS[code].append(check)


def type_for_item(item: ServiceItem) -> ApplicationType | None:
    return TYPES.get(item.code)


def _age_refusal(user: User, today: date) -> str | None:
    if user.id_type != IdType.RESIDENT:
        return None
    try:
        born = id_number_birth_date(user.id_number)
    except IdNumberError:
        return "账号中的身份证号码无效，请联系技术支持"
    try:
        birthday_65 = born.replace(year=born.year + AGE_LIMIT_YEARS)
    except ValueError:  # born on 29 February
        birthday_65 = date(born.year + AGE_LIMIT_YEARS, 3, 1)
    if today >= birthday_65 - AGE_LIMIT_MARGIN:
        return f"申请人将于{birthday_65:%Y年%m月%d日}年满65周岁，自年满65周岁前90日起不再受理此类注册申请"
    return None


# A case in one of these is still being handled: a second application of the same kind waits.
OPEN_STATUSES = (CaseStatus.PENDING, CaseStatus.CORRECTION, CaseStatus.REVIEWING, CaseStatus.DECIDING)


def _open_case_refusal(*, item: ServiceItem, user: User, exclude_pk: int | None) -> str | None:
    open_cases = Case.objects.filter(applicant=user, item=item, status__in=OPEN_STATUSES)
    if exclude_pk is not None:
        open_cases = open_cases.exclude(pk=exclude_pk)
    open_case = open_cases.first()
    if open_case is not None:
        return (
            f"您已有一件正在办理的“{item.name}”申请（办件编号{open_case.number}），请在“我的办件”中查看进度"
        )
    return None


def eligibility_refusals(
    *, item: ServiceItem, user: User, today: date, case_pk: int | None = None
) -> list[str]:
    """Every reason why `user` may not apply for `item` today (empty when they may).
    `case_pk` is the application being checked at its submission, which does not count
    against itself."""
    if not user.is_person:
        return ["只有个人用户可以申请二级建造师注册，请使用个人账号登录"]
    app_type = type_for_item(item)
    if app_type is None:
        return [f"“{item.name}”暂未开通网上申请，请到窗口办理"]
    refusals = []
    if reason := _open_case_refusal(item=item, user=user, exclude_pk=case_pk):
        refusals.append(reason)
    if app_type.age_limited and (reason := _age_refusal(user, today)):
        refusals.append(reason)
    for check in _REGISTER_CHECKS.get(app_type.code, []):
        if reason := check(user, today):
            refusals.append(reason)
    return refusals


def required_materials(*, item: ServiceItem, form_data: dict[str, Any]) -> list[Material]:
    """The materials this application must have: those marked required in the catalogue,
    plus those the form's answers make required."""
    app_type = type_for_item(item)
    conditional = app_type.conditional_materials if app_type else {}
    return [
        m
        for m in item.materials.all()
        if m.required or (m.code in conditional and conditional[m.code](form_data))
    ]
