"""The registry of registration types: one entry per `RegistrationType`, carrying everything
the type means (ADR 10): its form, its materials, its eligibility checks, its effect on the
register, the kind of history row it leaves and what the certificate does after it. A new
type is one more entry here (and the parts `registry` hands over), never a special case
elsewhere.

Parts that need the register are owned by `registry`, which `cases` may not import:
`registry.apps` hands them over when Django starts (`REGISTRATION_TYPES.hand_over`). The
system check in `cases.checks` refuses to start when a type lacks a part or a hand-over did
not happen."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from accounts.models import IdType, User
from accounts.selectors import person_particulars
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
from catalog.registration_types import (
    CertificateAction,
    ChangeKind,
    RegistrationType,
    is_proceeding,
)
from lib.dates import add_years

# DOMAIN.md: nobody may start these from 90 days before the 65th birthday.
AGE_LIMIT_YEARS = 65
AGE_LIMIT_MARGIN = timedelta(days=90)

EligibilityCheck = Callable[[User, date], str | None]


class RegisterEffect(Protocol):
    """The register's change for a granted case (`registry.services`), inside the approval
    transaction. It returns the history row, a `registry.RegistrationChange` (which `cases`
    cannot name)."""

    def __call__(self, *, case: Case) -> object: ...


@dataclass
class ApplicationType:
    code: RegistrationType
    form_title: str
    form_class: type[ApplicationForm]
    history_kind: ChangeKind
    certificate_action: CertificateAction
    # Materials that become required by what the form says (code → predicate on form data).
    conditional_materials: dict[str, Callable[[dict[str, Any]], bool]] = field(default_factory=dict)
    # DOMAIN.md: the 65-year rule holds for 初始/重新/延续/增项 and for a change of employer
    # only, so it may depend on the answers (an empty form before it is offered).
    age_limited: bool | Callable[[dict[str, Any]], bool] = True
    # The page shows what the register holds now (the types that change a registration).
    shows_record: bool = False
    # ... with each specialty's 延续注册 window (the renewal form).
    shows_renewal_window: bool = False
    # 遗失补办: the form is filled from the register by 「提取信息」.
    extracts: bool = False
    # The application leaves the employer the register holds (执业企业变更): that employer is
    # asked for 「解聘确认」 when it has a verified account (ADR 19).
    leaves_employer: bool | Callable[[dict[str, Any]], bool] = False
    # Handed over by `registry` at start-up; None until then (the system check says so).
    register_checks: tuple[EligibilityCheck, ...] | None = None
    register_effect: RegisterEffect | None = None

    def is_age_limited(self, form_data: dict[str, Any]) -> bool:
        return self.age_limited(form_data) if callable(self.age_limited) else self.age_limited

    def is_leaving_employer(self, form_data: dict[str, Any]) -> bool:
        return self.leaves_employer(form_data) if callable(self.leaves_employer) else self.leaves_employer


class TypeRegistry:
    """The registration types by code. Its own parts are given when it is made; the parts of
    higher apps are handed over with `hand_over`."""

    def __init__(self, types: Sequence[ApplicationType]) -> None:
        # Keyed by the code's value as well: an `item.code` read from the database is a str.
        self._types: dict[str, ApplicationType] = {t.code: t for t in types}

    def __iter__(self) -> Iterator[ApplicationType]:
        return iter(self._types.values())

    def __getitem__(self, code: RegistrationType) -> ApplicationType:
        return self._types[code]

    def get(self, code: str) -> ApplicationType | None:
        return self._types.get(code)

    def hand_over(
        self,
        code: RegistrationType,
        *,
        register_checks: Sequence[EligibilityCheck] | None = None,
        register_effect: RegisterEffect | None = None,
    ) -> None:
        """Give the type `code` the parts that `registry` owns. Idempotent: a second `ready`
        replaces them with the same."""
        app_type = self._types.get(code)
        if app_type is None:
            raise ImproperlyConfigured(f"注册类型“{code}”未在 cases.types 中定义，不能交接其规则")
        if register_checks is not None:
            app_type.register_checks = tuple(register_checks)
        if register_effect is not None:
            app_type.register_effect = register_effect

    def by_history_kind(self, kind: str) -> ApplicationType | None:
        """The type whose granted case leaves a history row of this kind (None for 失效)."""
        return next((t for t in self._types.values() if t.history_kind == kind), None)

    def missing_parts(self) -> list[str]:
        """What is missing, one sentence each (empty when every type is complete)."""
        undefined = [code for code in RegistrationType if code not in self._types]
        missing = [f"注册类型“{code.label}”（{code.value}）没有定义" for code in undefined]
        for t in self._types.values():
            parts = {
                "申请表标题": t.form_title,
                "登记规则（registry 交接）": t.register_effect,
                "注册信息库的申请条件（registry 交接）": t.register_checks is not None,
            }
            missing += [f"注册类型“{t.code.label}”缺少{part}" for part, given in parts.items() if not given]
        kinds = [t.history_kind for t in self._types.values()]
        missing += [f"变更类型“{k.label}”被多个注册类型使用" for k in set(kinds) if kinds.count(k) > 1]
        return missing


_CONTINUING_EDUCATION: dict[str, Callable[[dict[str, Any]], bool]] = {
    "continuing_education": continuing_education_required
}
REGISTRATION_TYPES = TypeRegistry(
    [
        ApplicationType(
            code=RegistrationType.INITIAL,
            form_title="二级注册建造师初始注册申请表",
            form_class=InitialRegistrationForm,
            history_kind=ChangeKind.INITIAL,
            certificate_action=CertificateAction.NEW_VERSION,
            conditional_materials=_CONTINUING_EDUCATION,
        ),
        ApplicationType(
            code=RegistrationType.ADDITION,
            form_title="二级注册建造师增项注册申请表",
            form_class=AdditionForm,
            history_kind=ChangeKind.ADDITION,
            certificate_action=CertificateAction.NEW_VERSION,
            shows_record=True,
        ),
        ApplicationType(
            code=RegistrationType.REREGISTER,
            form_title="二级注册建造师重新注册申请表",
            form_class=InitialRegistrationForm,
            history_kind=ChangeKind.REREGISTER,
            certificate_action=CertificateAction.NEW_VERSION,
            conditional_materials=_CONTINUING_EDUCATION,
            shows_record=True,
        ),
        ApplicationType(
            code=RegistrationType.CHANGE,
            form_title="二级注册建造师变更注册申请表",
            form_class=ChangeForm,
            history_kind=ChangeKind.CHANGE,
            certificate_action=CertificateAction.NEW_VERSION,
            age_limited=change_is_employer,
            leaves_employer=change_is_employer,
            shows_record=True,
        ),
        ApplicationType(
            code=RegistrationType.CANCEL,
            form_title="二级注册建造师注销注册申请表",
            form_class=CancelForm,
            history_kind=ChangeKind.CANCEL,
            certificate_action=CertificateAction.CANCEL,
            age_limited=False,
            shows_record=True,
        ),
        ApplicationType(
            code=RegistrationType.RENEWAL,
            form_title="二级注册建造师延续注册申请表",
            form_class=RenewalForm,
            history_kind=ChangeKind.RENEWAL,
            certificate_action=CertificateAction.NEW_VERSION,
            shows_record=True,
            shows_renewal_window=True,
        ),
        ApplicationType(
            code=RegistrationType.REISSUE,
            form_title="二级建造师注册证书遗失补办申请表",
            form_class=ReissueForm,
            history_kind=ChangeKind.REISSUE,
            certificate_action=CertificateAction.REISSUE,
            age_limited=False,
            extracts=True,
        ),
    ]
)
# Materials an applicant gave once that stay true: offered again in the next application.
REUSABLE_MATERIALS = ("photo", "signature", "identity", "qualification")


def type_for_item(item: ServiceItem) -> ApplicationType | None:
    return REGISTRATION_TYPES.get(item.code)


def sixty_fifth_birthday(born: date) -> date:
    """The day one turns 65: for someone born on 29 February, 28 February in a common year
    (民法典 Art. 202, the one rule of `lib.dates`)."""
    return add_years(born, AGE_LIMIT_YEARS)


def _age_refusal(user: User, today: date) -> str | None:
    particulars = person_particulars(user)
    if particulars is None:
        if user.id_type == IdType.RESIDENT:
            return "账号中的身份证号码无效，请联系技术支持"
        # Another document whose holder has not given a birth date yet: submission asks for
        # it (cases.services.case_submit), and this check runs again then.
        return None
    birthday_65 = sixty_fifth_birthday(particulars.birth_date)
    if today >= birthday_65 - AGE_LIMIT_MARGIN:
        return f"申请人将于{birthday_65:%Y年%m月%d日}年满65周岁，自年满65周岁前90日起不再受理此类注册申请"
    return None


# A case in one of these is still being handled: a second application of the same kind waits.
OPEN_STATUSES = (
    CaseStatus.CONFIRMING,
    CaseStatus.PENDING,
    CaseStatus.CORRECTION,
    CaseStatus.REVIEWING,
    CaseStatus.DECIDING,
    # The authority's own proceeding on the registration (撤销, 强制注销; ADR 27): the register
    # is about to change under it, so the holder's applications wait for its decision too.
    CaseStatus.STATEMENT,
    CaseStatus.STATED,
)


def _open_case_refusal(*, item: ServiceItem, user: User, exclude_pk: int | None) -> str | None:
    # One registration application of a matter at a time: two at once (an 增项 and a 变更, say)
    # would each be decided on a register the other is about to change.
    open_cases = Case.objects.filter(applicant=user, matter_id=item.matter_id, status__in=OPEN_STATUSES)
    if exclude_pk is not None:
        open_cases = open_cases.exclude(pk=exclude_pk)
    open_case = open_cases.select_related("item").first()
    if open_case is not None and is_proceeding(open_case.item.code):
        return (
            f"注册机关正在办理您的“{open_case.item.name}”程序（办件编号{open_case.number}），"
            "作出决定后才能再申请本事项，请在“我的办件”中查看"
        )
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
    if app_type.register_checks is None:
        # Never run without the register's checks: that would let anyone apply.
        raise ImproperlyConfigured(f"“{app_type.code.label}”的注册信息库申请条件未交接（registry 未启用？）")
    for check in app_type.register_checks:
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
