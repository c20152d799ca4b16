"""What the register hands to `cases` at start-up (`cases` may not import `registry`): the
eligibility checks of each registration type, and the record its forms check answers against.

The checks here are the ones a person can be told before a form is offered. Checks on the
answers (a specialty already registered, a renewal outside its window) are the forms' own,
against the record; the effects in `registry.services` check again when a case is granted."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accounts.models import User
from accounts.selectors import UNVERIFIED_PERSON, PersonIdentity, verified_identity
from cases.register import RegisterRecord, SpecialtyRecord, register_provide, register_read
from cases.types import REGISTRATION_TYPES, EligibilityCheck
from catalog.registration_types import RegistrationType
from catalog.specialties import Specialty, specialty_name
from registry.models import RegisterSettings, Registration, RegistrationStatus
from registry.renewal import renewal_window

REGISTER_LINK = "请在“我的证照”或“注册人员查询”中核对注册信息"


def registration_of(identity: PersonIdentity | None) -> Registration | None:
    """The registration of the person with this (证件类型, 证件号码); none without an identity."""
    if identity is None:
        return None
    # Once per person within a page that shares its register reads (`register_reads_shared`).
    return register_read(
        f"registration:{identity.index}",
        lambda: (
            Registration.objects.filter(**identity.person_filter("person__"))
            .select_related("person")
            .prefetch_related("specialties")
            .first()
        ),
    )


def registration_of_user(user: User) -> Registration | None:
    """The registration of the account's proven identity (none for an unverified account)."""
    return registration_of(verified_identity(user))


def record_of(registration: Registration, *, today: date) -> RegisterRecord:
    config = RegisterSettings.current()
    status = registration.status_on(today)
    return RegisterRecord(
        number=registration.number,
        is_valid=status == RegistrationStatus.VALID,
        status_label=status.label,
        name=registration.person.name,
        id_number=registration.person.id_number,
        employer_name=registration.employer_name,
        employer_uscc=registration.employer_uscc,
        specialties=tuple(
            SpecialtyRecord(
                code=s.specialty,
                name=specialty_name(s.specialty),
                valid_from=s.valid_from,
                valid_to=s.valid_to,
                renewal=renewal_window(s.valid_to, config=config),
            )
            for s in registration.specialties.all()
        ),
    )


def record_lookup(identity: PersonIdentity) -> RegisterRecord | None:
    registration = registration_of(identity)
    return record_of(registration, today=timezone.localdate()) if registration else None


# --- the checks, one per rule, each (user, today) -> the refusal or None -------------------


def _valid_registration(user: User, today: date) -> Registration | None:
    registration = registration_of_user(user)
    if registration is None or registration.status_on(today) != RegistrationStatus.VALID:
        return None
    return registration


def refuse_if_registered(user: User, today: date) -> str | None:
    registration = registration_of_user(user)
    if registration is None:
        return None
    status = registration.status_on(today)
    if status == RegistrationStatus.VALID:
        return f"您已是有效注册的二级建造师（注册编号{registration.number}），不能申请初始注册"
    return (
        f"您曾经注册（注册编号{registration.number}），目前注册已{RegistrationStatus(status).label}，"
        "请申请“重新注册”"
    )


def refuse_unless_lapsed_or_cancelled(user: User, today: date) -> str | None:
    if verified_identity(user) is None:
        return UNVERIFIED_PERSON
    registration = registration_of_user(user)
    if registration is None:
        return "注册信息库中没有您的注册记录，首次注册请申请“初始注册”"
    if registration.status_on(today) == RegistrationStatus.VALID:
        return f"您的注册（注册编号{registration.number}）仍然有效，不能申请重新注册"
    if registration.status_on(today) == RegistrationStatus.REVOKED:
        # 撤销 undoes the grant (ADR 27): whether and when one may apply again is the
        # department's to say, not the portal's.
        return f"您的注册（注册编号{registration.number}）已被依法撤销，不能网上申请重新注册，请咨询注册机关"
    return None


def refuse_unless_registered(item_name: str) -> EligibilityCheck:
    def check(user: User, today: date) -> str | None:
        if verified_identity(user) is None:
            return UNVERIFIED_PERSON
        if _valid_registration(user, today) is None:
            return f"注册信息库中没有您的有效注册，不能申请{item_name}。{REGISTER_LINK}"
        return None

    return check


def refuse_if_nothing_to_add(user: User, today: date) -> str | None:
    registration = _valid_registration(user, today)
    in_force = [s for s in registration.specialties.all() if s.valid_to >= today] if registration else []
    if registration is not None and len(in_force) >= len(Specialty):
        return "您已注册全部专业，没有可以增项的专业"
    return None


def refuse_outside_renewal_window(user: User, today: date) -> str | None:
    registration = _valid_registration(user, today)
    if registration is None:
        return None
    record = record_of(registration, today=today)
    if any(s.renewable_on(today) for s in record.specialties):
        return None
    windows = "；".join(
        f"{s.name}有效期至{s.valid_to:%Y年%m月%d日}，可于{s.renewal_opens:%Y年%m月%d日}至{s.renewal_closes:%Y年%m月%d日}申请"
        for s in record.specialties
        if s.valid_to >= today
    )
    config = RegisterSettings.current()
    return (
        f"延续注册须在注册有效期届满前{config.renewal_opens_days}日至{config.renewal_closes_days}日之间申请，"
        "目前没有可以延续的专业"
    ) + (f"：{windows}" if windows else "")


# The names in the refusals: 遗失补办 is said in full.
_NEEDS_REGISTRATION = {
    RegistrationType.ADDITION: "增项注册",
    RegistrationType.CHANGE: "变更注册",
    RegistrationType.CANCEL: "注销注册",
    RegistrationType.RENEWAL: "延续注册",
    RegistrationType.REISSUE: "证书遗失补办",
}
_registered = {code: refuse_unless_registered(name) for code, name in _NEEDS_REGISTRATION.items()}
REGISTER_CHECKS: dict[RegistrationType, tuple[EligibilityCheck, ...]] = {
    RegistrationType.INITIAL: (refuse_if_registered,),
    RegistrationType.REREGISTER: (refuse_unless_lapsed_or_cancelled,),
    RegistrationType.ADDITION: (_registered[RegistrationType.ADDITION], refuse_if_nothing_to_add),
    RegistrationType.CHANGE: (_registered[RegistrationType.CHANGE],),
    RegistrationType.CANCEL: (_registered[RegistrationType.CANCEL],),
    RegistrationType.RENEWAL: (_registered[RegistrationType.RENEWAL], refuse_outside_renewal_window),
    RegistrationType.REISSUE: (_registered[RegistrationType.REISSUE],),
}


def register_checks() -> None:
    """Hand each registration type its register checks and its effect, and `cases` the
    record lookup and 提取信息 (ADR 10). A type left out here fails the system check."""
    from registry.services import EFFECTS, register_extract

    for code, checks in REGISTER_CHECKS.items():
        REGISTRATION_TYPES.hand_over(code, register_checks=checks)
    for code, effect in EFFECTS.items():
        REGISTRATION_TYPES.hand_over(code, register_effect=effect)
    register_provide(lookup=record_lookup, extract=register_extract)
