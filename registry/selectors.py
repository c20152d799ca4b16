"""Reads of the register, scoped to who is asking.

- An enterprise (法人) account sees the registrations and the submitted cases that name its own
  统一社会信用代码 as employer; any other account gets a 404.
- Anyone may look up one registration by 姓名 and 注册编号 together, and sees no personal number.

A registration's status as shown is `Registration.status_on`, the one rule for 失效."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case as DbCase
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Upper
from django.http import Http404

from accounts.models import Enterprise, User
from accounts.selectors import verified_identity
from cases.models import Case, CaseStatus
from registry.models import (
    Person,
    RegisteredSpecialty,
    RegisterSettings,
    Registration,
    RegistrationChange,
    RegistrationStatus,
)
from registry.renewal import expiring_soon


@dataclass(frozen=True)
class SpecialtyEntry:
    specialty: RegisteredSpecialty
    days_left: int
    expiring_soon: bool  # in force, and its 延续注册 window has opened (registry.renewal)
    expired: bool


@dataclass(frozen=True)
class RegisterEntry:
    """A registration as the pages show it: its effective status and its specialties."""

    registration: Registration
    status: RegistrationStatus
    specialties: list[SpecialtyEntry]

    @property
    def status_label(self) -> str:
        return str(self.status.label)

    @property
    def expiring_soon(self) -> bool:
        return any(s.expiring_soon for s in self.specialties)


def register_entry(
    *, registration: Registration, today: date, config: RegisterSettings | None = None
) -> RegisterEntry:
    """`config`: the policy, read once by a page that shows many registrations."""
    status = RegistrationStatus(registration.status_on(today))
    config = config or RegisterSettings.current()
    entries = []
    for specialty in registration.specialties.all():
        days_left = (specialty.valid_to - today).days
        entries.append(
            SpecialtyEntry(
                specialty=specialty,
                days_left=days_left,
                # Only a registration in force can be renewed, so only its specialties warn.
                expiring_soon=status == RegistrationStatus.VALID
                and expiring_soon(specialty.valid_to, today=today, config=config),
                expired=days_left < 0,
            )
        )
    return RegisterEntry(registration=registration, status=status, specialties=entries)


# --- the applicant's verified name against the register's --------------------------------------


@dataclass(frozen=True)
class NameMismatch:
    """The applicant's real-name-verified name differs from the name the register holds for the
    same (证件类型, 证件号码): a changed name not yet registered, or a wrong person."""

    applicant_name: str
    register_name: str

    @property
    def warning(self) -> str:
        return (
            f"申请人实名认证的姓名“{self.applicant_name}”与注册信息库中的姓名“{self.register_name}”不一致，"
            "请核实是否为本人（如已依法变更姓名，应有个人信息变更的证明材料）"
        )


def change_decided(change: RegistrationChange) -> tuple[list[str] | None, str | None]:
    """What a history row itself says the decision was: the specialty codes it granted, added
    or renewed, and the employer it named (`registry.services` writes these shapes); None where
    the row does not say, and the registration as it stands answers instead."""
    data = change.data if isinstance(change.data, dict) else {}
    codes: list[str] | None = None
    if isinstance(data.get("specialties"), list):
        codes = [str(code) for code in data["specialties"]]
    elif isinstance(data.get("added"), list):
        codes = [str(code) for code in data["added"]]
    elif isinstance(data.get("renewed"), list):
        codes = [str(r.get("specialty", "")) for r in data["renewed"] if isinstance(r, dict)]
    employer = data.get("employer")
    after = data.get("after")
    if employer is None and isinstance(after, dict):
        employer = after.get("employer_name")
    return codes, str(employer) if employer else None


def names_differ(a: str, b: str) -> bool:
    """The one rule for "the same name": blanks and the case of Latin letters do not count."""
    return "".join(a.split()).casefold() != "".join(b.split()).casefold()


def name_mismatch(*, applicant: User) -> NameMismatch | None:
    identity = verified_identity(applicant)
    if identity is None:
        return None
    person = Person.objects.filter(**identity.person_filter()).only("name").first()
    if person is None or not names_differ(identity.name, person.name):
        return None
    return NameMismatch(applicant_name=identity.name, register_name=person.name)


def with_register_name(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with `register_name`: the register's name for its applicant's identity (None
    when not registered), so that a queue shows a mismatch without a query per row."""
    # The account and the register share the blind index of (证件类型, 证件号码).
    persons = Person.objects.filter(id_index=OuterRef("applicant__id_index"))
    return cases.annotate(register_name=Subquery(persons.values("name")[:1]))


def case_name_differs(case: Case) -> bool:
    """For a case from `with_register_name`: its applicant's verified name differs from the
    register's (the same rule as `name_mismatch`, without a query per row)."""
    register_name = getattr(case, "register_name", None)
    identity = verified_identity(case.applicant)
    return bool(register_name) and identity is not None and names_differ(identity.name, str(register_name))


# --- the enterprise account ------------------------------------------------------------------


def enterprise_for_legal_user(*, user: User) -> Enterprise:
    """The enterprise of a 法人 account; for anyone else the page does not exist."""
    if not user.is_authenticated or not user.is_legal:
        raise Http404("只有法人账号可以查看本单位人员")
    try:
        return user.enterprise  # cached on the user after the first read
    except Enterprise.DoesNotExist:
        raise Http404("该法人账号没有单位信息") from None


def registrations_for_enterprise(*, user: User) -> QuerySet[Registration]:
    """The registrations that name the account's own enterprise as employer, in force first;
    none until the enterprise is verified (anyone can type a 统一社会信用代码)."""
    enterprise = enterprise_for_legal_user(user=user)
    if not enterprise.is_verified:
        return Registration.objects.none()
    uscc = enterprise.uscc.upper()
    in_force_first = DbCase(
        When(status=RegistrationStatus.VALID, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Registration.objects.filter(employer_uscc=uscc)
        .select_related("person")
        .prefetch_related("specialties")
        .order_by(in_force_first, "person__name", "id")
    )


def cases_for_enterprise(*, user: User) -> QuerySet[Case]:
    """The submitted cases that name the account's own enterprise as employer, newest first.
    Drafts stay the applicant's own business until submitted. None until verified."""
    enterprise = enterprise_for_legal_user(user=user)
    if not enterprise.is_verified:
        return Case.objects.none()
    uscc = enterprise.uscc.upper()
    return (
        Case.objects.filter(employer_uscc=uscc)
        .exclude(status=CaseStatus.DRAFT)
        .select_related("item")
        .order_by("-submitted_at", "-id")
    )


# --- 注册人员查询 (public) ---------------------------------------------------------------------


PUBLIC_QUERY_NOT_FOUND = "未查询到符合条件的注册人员，请核对姓名和注册编号"


def registration_for_public_query(*, name: str, number: str) -> Registration | None:
    """The registration whose holder's 姓名 and 注册编号 both match exactly (the number's
    letters in any case), or None: a wrong name and a wrong number look alike, so the page
    can not be used to find out which numbers exist."""
    if not name or not number:
        return None
    return (
        # The same expression as the index `registry_number_upper`, so that it is used.
        Registration.objects.annotate(number_upper=Upper("number"))
        .filter(number_upper=number.upper(), person__name=name)
        .select_related("person")
        .prefetch_related("specialties")
        .first()
    )
