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
from cases.forms import (
    AdditionForm,
    ApplicationForm,
    CancelForm,
    ChangeForm,
    InitialRegistrationForm,
    ReissueForm,
    RenewalForm,
    change_is_employer,
    continuing_education_required,
)
from cases.models import Case, CaseStatus
from catalog.models import Material, ServiceItem
from lib.dates import add_years
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
    # DOMAIN.md: the 65-year rule holds for 初始/重新/延续/增项 and for a change of employer
    # only, so it may depend on the answers (an empty form before it is offered).
    age_limited: bool | Callable[[dict[str, Any]], bool] = True
    # The page shows what the register holds now (the types that change a registration).
    shows_record: bool = False
    # 遗失补办: the form is filled from the register by 「提取信息」.
    extracts: bool = False

    def is_age_limited(self, form_data: dict[str, Any]) -> bool:
        return self.age_limited(form_data) if callable(self.age_limited) else self.age_limited


def _type(
    code: str, title: str, form_class: type[ApplicationForm], **options: Any
) -> tuple[str, ApplicationType]:
    return code, ApplicationType(code=code, form_title=title, form_class=form_class, **options)


_CONTINUING_EDUCATION = {"continuing_education": continuing_education_required}
TYPES: dict[str, ApplicationType] = dict(
    [
        _type(
            "initial",
            "二级注册建造师初始注册申请表",
            InitialRegistrationForm,
            conditional_materials=_CONTINUING_EDUCATION,
        ),
        _type("addition", "二级注册建造师增项注册申请表", AdditionForm, shows_record=True),
        _type(
            "reregister",
            "二级注册建造师重新注册申请表",
            InitialRegistrationForm,
            conditional_materials=_CONTINUING_EDUCATION,
            shows_record=True,
        ),
        _type(
            "change",
            "二级注册建造师变更注册申请表",
            ChangeForm,
            age_limited=change_is_employer,
            shows_record=True,
        ),
        _type("cancel", "二级注册建造师注销注册申请表", CancelForm, age_limited=False, shows_record=True),
        _type("renewal", "二级注册建造师延续注册申请表", RenewalForm, shows_record=True),
        _type("reissue", "二级建造师注册证书遗失补办申请表", ReissueForm, age_limited=False, extracts=True),
    ]
)
# Materials an applicant gave once that stay true: offered again in the next application.
REUSABLE_MATERIALS = ("photo", "signature", "identity", "qualification")

_REGISTER_CHECKS: dict[str, list[EligibilityCheck]] = {}


def eligibility_register(code: str, check: EligibilityCheck) -> None:
    """Add a check for the type `code` (called by `registry` at start-up)."""
    if check not in _REGISTER_CHECKS.setdefault(code, []):
        _REGISTER_CHECKS[code].append(check)


def type_for_item(item: ServiceItem) -> ApplicationType | None:
    return TYPES.get(item.code)


def sixty_fifth_birthday(born: date) -> date:
    """The day one turns 65: for someone born on 29 February, 28 February in a common year
    (民法典 Art. 202, the one rule of `lib.dates`)."""
    return add_years(born, AGE_LIMIT_YEARS)


def _age_refusal(user: User, today: date) -> str | None:
    if user.id_type != IdType.RESIDENT:
        return None
    try:
        born = id_number_birth_date(user.id_number)
    except IdNumberError:
        return "账号中的身份证号码无效，请联系技术支持"
    birthday_65 = sixty_fifth_birthday(born)
    if today >= birthday_65 - AGE_LIMIT_MARGIN:
        return f"申请人将于{birthday_65:%Y年%m月%d日}年满65周岁，自年满65周岁前90日起不再受理此类注册申请"
    return None


# A case in one of these is still being handled: a second application of the same kind waits.
OPEN_STATUSES = (CaseStatus.PENDING, CaseStatus.CORRECTION, CaseStatus.REVIEWING, CaseStatus.DECIDING)


def _open_case_refusal(*, item: ServiceItem, user: User, exclude_pk: int | None) -> str | None:
    # One registration application of a matter at a time: two at once (an 增项 and a 变更, say)
    # would each be decided on a register the other is about to change.
    open_cases = Case.objects.filter(applicant=user, matter_id=item.matter_id, status__in=OPEN_STATUSES)
    if exclude_pk is not None:
        open_cases = open_cases.exclude(pk=exclude_pk)
    open_case = open_cases.select_related("item").first()
    if open_case is not None:
        return (
            f"您已有一件正在办理的“{open_case.item.name}”申请（办件编号{open_case.number}），"
            "办结或撤回后才能再申请本事项，请在“我的办件”中查看进度"
        )
    return None


def eligibility_refusals(
    *,
    item: ServiceItem,
    user: User,
    today: date,
    case_pk: int | None = None,
    form_data: dict[str, Any] | None = None,
) -> list[str]:
    """Every reason why `user` may not apply for `item` today (empty when they may): before
    the form is offered, and again at submission with the answers (`form_data`). `case_pk` is
    the application being submitted, which does not count against itself."""
    if not user.is_person:
        return ["只有个人用户可以申请二级建造师注册，请使用个人账号登录"]
    app_type = type_for_item(item)
    if app_type is None:
        return [f"“{item.name}”暂未开通网上申请，请到窗口办理"]
    refusals = []
    if reason := _open_case_refusal(item=item, user=user, exclude_pk=case_pk):
        refusals.append(reason)
    if app_type.is_age_limited(form_data or {}) and (reason := _age_refusal(user, today)):
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
