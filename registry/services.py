"""Writes to the register. Each registration type's effect is one function in `EFFECTS`,
handed to the registry of types (`cases.types.REGISTRATION_TYPES`) at start-up and called
through it by the approval service in `review`, inside its transaction."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import IdType, User
from accounts.selectors import UNVERIFIED_PERSON, PersonIdentity, person_particulars, verified_identity
from cases.counters import counter_next
from cases.models import Case
from cases.notices import change_summary
from cases.register import RegisterRecord
from cases.types import REGISTRATION_TYPES, RegisterEffect
from catalog.registration_types import ChangeKind, RegistrationType
from catalog.specialties import specialty_names
from lib.dates import validity_end
from lib.errors import ApplicationError
from lib.idcard import IdNumberError, validate_id_number
from lib.masking import mask_id_number
from registry.answers import registration_answers_replace
from registry.eligibility import record_lookup
from registry.models import (
    Person,
    RegisteredSpecialty,
    RegisterLookup,
    RegisterSettings,
    Registration,
    RegistrationAction,
    RegistrationChange,
    RegistrationStatus,
)
from registry.transitions import registration_status_on, transition_find

logger = logging.getLogger(__name__)


class RegistryError(ApplicationError):
    """The register cannot take a granted case's change. Its own class because the approval
    catches it apart: it becomes advice to the decider to deny the case."""


def registration_number_next(*, qualification_year: int, registration_year: int) -> str:
    """A new 注册编号 in the configured format. The serial counts per first-registration
    year under a row lock, and the number column is unique besides."""
    config = RegisterSettings.current()
    serial = counter_next(key=f"reg-{registration_year}")
    try:
        return config.format_number(
            qualification_year=qualification_year, registration_year=registration_year, serial=serial
        )
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        # Only a row saved before `RegisterSettings.clean` checked the format gets here.
        logger.exception("注册编号格式 %r 无法使用", config.number_format)
        raise RegistryError("注册编号格式配置有误，请系统管理员在“注册规则”中更正后再准予") from None


def _identity(user: User) -> PersonIdentity:
    """The applicant's proven identity; the register is never changed for anyone else."""
    identity = verified_identity(user)
    if identity is None:
        raise RegistryError("申请人的账号未通过实名认证，不能变更注册信息库")
    return identity


def person_for_user(*, user: User) -> Person:
    """The register's person of the applicant's verified identity, made or brought up to date
    from the account. The register and the certificate print 性别 and 出生日期: without them
    (`person_particulars`) the grant is refused here, before anything of it is written."""
    identity = _identity(user)
    particulars = person_particulars(user)
    if particulars is None:
        raise RegistryError(
            f"申请人的账号缺少性别和出生日期（{IdType(identity.id_type).label}的号码中不含这些信息），"
            "不能写入注册信息库和证书"
        )
    person, _ = Person.objects.update_or_create(
        **identity.person_filter(),
        defaults={
            **identity.person_fields(),
            "name": identity.name,
            "sex": particulars.sex,
            "birth_date": particulars.birth_date,
            "mobile": user.mobile,
        },
    )
    return person


def _change_record(
    *, registration: Registration, case: Case, summary: str, data: dict[str, Any]
) -> RegistrationChange:
    """The history row of a granted case, of the kind its type leaves (`history_kind`)."""
    app_type = REGISTRATION_TYPES[RegistrationType(case.item.code)]
    # Every granted change of the register passes here: what the verification page shows of
    # the registration (employer, name, specialties) may have changed.
    registration_answers_replace(registration_id=registration.pk)
    return RegistrationChange.objects.create(
        registration=registration, case=case, kind=app_type.history_kind, summary=summary, data=data
    )


def registration_transition(
    *, registration: Registration, action: RegistrationAction, today: date
) -> RegistrationStatus:
    """Move `registration` by `action` if the table in `registry/transitions.py` allows it
    from its status on `today`, and return that status (the "before" of the history row the
    caller writes). The only writer of `Registration.status`; runs in the caller's
    transaction, which holds the row lock (`select_for_update`)."""
    assert transaction.get_connection().in_atomic_block, "registration_transition runs inside a transaction"
    before = registration_status_on(registration, today)
    transition = transition_find(registration=registration, action=action, today=today)
    if transition is None:
        raise RegistryError(
            f"申请人的注册（注册编号{registration.number}）当前状态为“{before.label}”，不能{action.label}"
        )
    registration.status = transition.target
    registration.save(update_fields=["status", "updated_at"])
    registration_answers_replace(registration_id=registration.pk)
    return before


def _specialties_data(registration: Registration) -> list[dict[str, str]]:
    return [
        {"specialty": s.specialty, "valid_from": s.valid_from.isoformat(), "valid_to": s.valid_to.isoformat()}
        for s in registration.specialties.all()
    ]


def _locked_registration(case: Case) -> Registration:
    """The applicant's registration, locked for the change (one decision at a time)."""
    applicant: User = case.applicant
    registration = (
        Registration.objects.select_for_update()
        .filter(**_identity(applicant).person_filter("person__"))
        .first()
    )
    if registration is None:
        raise RegistryError("注册信息库中没有申请人的注册记录")
    return registration


def _locked_valid_registration(case: Case, today: date) -> Registration:
    registration = _locked_registration(case)
    if registration.status_on(today) != RegistrationStatus.VALID:
        raise RegistryError(
            f"申请人的注册（注册编号{registration.number}）目前已"
            f"{RegistrationStatus(registration.status_on(today)).label}，不能准予{case.item.name}"
        )
    return registration


def _new_specialties(*, registration: Registration, codes: list[str], today: date) -> date:
    valid_to = validity_end(today, RegisterSettings.current().validity_years)
    RegisteredSpecialty.objects.bulk_create(
        RegisteredSpecialty(registration=registration, specialty=code, valid_from=today, valid_to=valid_to)
        for code in codes
    )
    return valid_to


def _codes(value: object) -> list[str]:
    return sorted({str(v) for v in value}) if isinstance(value, list) else []


def registration_grant_initial(*, case: Case) -> RegistrationChange:
    """初始注册 granted: a new registration with a 注册编号, each specialty valid 3 years."""
    data = case.form_data
    applicant: User = case.applicant
    if Registration.objects.filter(**_identity(applicant).person_filter("person__")).exists():
        raise RegistryError("申请人已有注册记录，不能再准予初始注册（曾注册的应申请重新注册）")
    person = person_for_user(user=applicant)
    today = timezone.localdate()
    qualification_year = date.fromisoformat(str(data["qualification_date"])).year
    registration = Registration.objects.create(
        person=person,
        number=registration_number_next(qualification_year=qualification_year, registration_year=today.year),
        status=RegistrationStatus.VALID,
        qualification_number=str(data["qualification_number"]),
        qualification_year=qualification_year,
        employer_name=str(data["employer_name"]),
        employer_uscc=str(data["employer_uscc"]).upper(),
        first_registered_on=today,
        issued_on=today,
        created_by_case=case,
    )
    specialties = _codes(data.get("specialties"))
    valid_to = _new_specialties(registration=registration, codes=specialties, today=today)
    return _change_record(
        registration=registration,
        case=case,
        summary=change_summary(
            ChangeKind.INITIAL,
            registration_number=registration.number,
            specialties=specialty_names(specialties),
            valid_to=valid_to,
        ),
        data={
            "specialties": specialties,
            "valid_to": valid_to.isoformat(),
            "employer": registration.employer_name,
        },
    )


def registration_grant_reregister(*, case: Case) -> RegistrationChange:
    """重新注册 granted: the lapsed or cancelled registration lives again on the same person and
    注册编号, with the specialties and employer of this application, each valid 3 years."""
    data = case.form_data
    today = timezone.localdate()
    registration = _locked_registration(case)
    before = {"status": registration.status, "specialties": _specialties_data(registration)}
    registration_transition(registration=registration, action=RegistrationAction.REVIVE, today=today)
    registration.specialties.all().delete()
    registration.qualification_number = str(data["qualification_number"])
    registration.employer_name = str(data["employer_name"])
    registration.employer_uscc = str(data["employer_uscc"]).upper()
    registration.issued_on = today
    registration.save()
    specialties = _codes(data.get("specialties"))
    valid_to = _new_specialties(registration=registration, codes=specialties, today=today)
    return _change_record(
        registration=registration,
        case=case,
        summary=change_summary(
            ChangeKind.REREGISTER,
            registration_number=registration.number,
            specialties=specialty_names(specialties),
            valid_to=valid_to,
        ),
        data={"before": before, "specialties": specialties, "valid_to": valid_to.isoformat()},
    )


def registration_grant_addition(*, case: Case) -> RegistrationChange:
    """增项注册 granted: the added specialties, each valid 3 years from today. A specialty that
    expired earlier is added again on its own row, with new dates."""
    today = timezone.localdate()
    registration = _locked_valid_registration(case, today)
    wanted = _codes(case.form_data.get("addition_specialties"))
    existing = {s.specialty: s for s in registration.specialties.all()}
    already = {code for code in wanted if code in existing and existing[code].valid_to >= today}
    if not wanted or already:
        raise RegistryError(
            f"{specialty_names(sorted(already))}已是注册专业，不能重复增项" if already else "没有增项专业"
        )
    expired = [existing[code] for code in wanted if code in existing]
    RegisteredSpecialty.objects.filter(pk__in=[s.pk for s in expired]).delete()
    valid_to = _new_specialties(registration=registration, codes=wanted, today=today)
    registration.save(update_fields=["updated_at"])
    return _change_record(
        registration=registration,
        case=case,
        summary=change_summary(ChangeKind.ADDITION, specialties=specialty_names(wanted), valid_to=valid_to),
        data={
            "added": wanted,
            "valid_to": valid_to.isoformat(),
            "expired_before": [
                {"specialty": s.specialty, "valid_to": s.valid_to.isoformat()} for s in expired
            ],
        },
    )


def registration_grant_change(*, case: Case) -> RegistrationChange:
    """变更注册 granted: employer or personal data changed; every expiry date stays."""
    data = case.form_data
    today = timezone.localdate()
    registration = _locked_valid_registration(case, today)
    kind = str(data.get("change_kind", ""))
    if kind in ("employer", "employer_name"):
        before = {"employer_name": registration.employer_name, "employer_uscc": registration.employer_uscc}
        registration.employer_name = str(data["employer_name"]).strip()
        registration.employer_uscc = str(data["employer_uscc"]).upper()
        registration.save(update_fields=["employer_name", "employer_uscc", "updated_at"])
        after = {"employer_name": registration.employer_name, "employer_uscc": registration.employer_uscc}
        summary = change_summary(
            ChangeKind.CHANGE,
            label="执业企业变更" if kind == "employer" else "企业名称变更",
            employer_before=before["employer_name"],
            employer_after=registration.employer_name,
        )
    elif kind == "personal":
        person = Person.objects.select_for_update().get(pk=registration.person_id)
        before = {"name": person.name}
        person.name = str(data["new_name"]).strip()
        person.save(update_fields=["name"])
        registration.save(update_fields=["updated_at"])
        after = {"name": person.name}
        summary = change_summary(
            ChangeKind.CHANGE, label="个人信息变更", name_before=before["name"], name_after=person.name
        )
    else:
        raise RegistryError("变更类型无效")
    return _change_record(
        registration=registration,
        case=case,
        summary=summary,
        data={"change_kind": kind, "before": before, "after": after},
    )


def registration_grant_cancel(*, case: Case) -> RegistrationChange:
    """注销注册 granted: the registration is cancelled (its certificates are revoked by the
    approval, in the same transaction)."""
    today = timezone.localdate()
    registration = _locked_registration(case)
    before = registration_transition(
        registration=registration, action=RegistrationAction.DEREGISTER, today=today
    )
    ground = str(case.form_data.get("cancel_ground", ""))
    return _change_record(
        registration=registration,
        case=case,
        summary=change_summary(ChangeKind.CANCEL, registration_number=registration.number),
        data={"before": before, "ground": ground, "detail": str(case.form_data.get("cancel_detail", ""))},
    )


def registration_grant_renewal(*, case: Case) -> RegistrationChange:
    """延续注册 granted: each chosen specialty valid 3 more years, from the day after its
    current expiry (or from today, if it has expired while the case was decided)."""
    today = timezone.localdate()
    registration = _locked_valid_registration(case, today)
    wanted = _codes(case.form_data.get("renewal_specialties"))
    by_code = {s.specialty: s for s in registration.specialties.all()}
    missing = [code for code in wanted if code not in by_code]
    if not wanted or missing:
        raise RegistryError(
            f"{specialty_names(missing)}不是注册专业，不能延续" if missing else "没有延续专业"
        )
    years = RegisterSettings.current().validity_years
    renewed = []
    for code in wanted:
        specialty = by_code[code]
        before = specialty.valid_to
        specialty.valid_from = max(date.fromordinal(before.toordinal() + 1), today)
        specialty.valid_to = validity_end(specialty.valid_from, years)
        specialty.save(update_fields=["valid_from", "valid_to"])
        renewed.append(
            {"specialty": code, "before": before.isoformat(), "valid_to": specialty.valid_to.isoformat()}
        )
    registration.save(update_fields=["updated_at"])
    return _change_record(
        registration=registration,
        case=case,
        summary=change_summary(
            ChangeKind.RENEWAL,
            specialties=[
                {"name": specialty_names([r["specialty"]]), "valid_to": date.fromisoformat(r["valid_to"])}
                for r in renewed
            ],
        ),
        data={"renewed": renewed},
    )


def registration_grant_reissue(*, case: Case) -> RegistrationChange:
    """遗失补办 granted: the register is unchanged; the history records the reissue (the
    approval issues the new certificate version and revokes the old one)."""
    today = timezone.localdate()
    registration = _locked_valid_registration(case, today)
    registration.save(update_fields=["updated_at"])
    reason = "遗失" if case.form_data.get("reissue_reason") == "lost" else "污损"
    return _change_record(
        registration=registration,
        case=case,
        summary=change_summary(ChangeKind.REISSUE, reason=reason, registration_number=registration.number),
        data={"reason": str(case.form_data.get("reissue_reason", ""))},
    )


def registration_end_by_authority(
    *,
    registration: Registration,
    case: Case,
    action: RegistrationAction,
    kind: ChangeKind,
    ground: str,
) -> RegistrationChange:
    """撤销注册 or 强制注销 decided (ADR 27): the status moves by the table, and the history row
    of `kind` names the proceeding's case and its ground. No application caused it, so it is
    not a type's effect; the certificate follows it all the same
    (`certificates.services.certificate_follow_register`). Runs in the decision's transaction."""
    today = timezone.localdate()
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    before = registration_transition(registration=locked, action=action, today=today)
    return RegistrationChange.objects.create(
        registration=locked,
        case=case,
        kind=kind,
        summary=change_summary(kind, registration_number=locked.number, ground=ground),
        data={"before": before, "ground": ground, "case": case.number},
    )


EFFECTS: dict[RegistrationType, RegisterEffect] = {
    RegistrationType.INITIAL: registration_grant_initial,
    RegistrationType.REREGISTER: registration_grant_reregister,
    RegistrationType.ADDITION: registration_grant_addition,
    RegistrationType.CHANGE: registration_grant_change,
    RegistrationType.CANCEL: registration_grant_cancel,
    RegistrationType.RENEWAL: registration_grant_renewal,
    RegistrationType.REISSUE: registration_grant_reissue,
}


def registration_apply_effect(*, case: Case) -> RegistrationChange:
    """The register's change for the granted case's type, recorded in the history with the
    case. Runs in the approval transaction."""
    app_type = REGISTRATION_TYPES.get(case.item.code)
    if app_type is None or app_type.register_effect is None:
        raise RegistryError(f"“{case.item.name}”的登记规则尚未配置")
    change = app_type.register_effect(case=case)
    assert isinstance(change, RegistrationChange), "every effect returns its history row"
    return change


# --- 提取信息 ---------------------------------------------------------------------------------


def register_extract(user: User, id_number: str) -> RegisterRecord:
    """提取信息 (遗失补办): the register's record for the typed 身份证号, only when it is the
    logged-in person's own real-name number. Every attempt is logged, refusals too."""
    masked = mask_id_number(id_number.strip().upper()[:32]) if id_number.strip() else "（空）"

    def refuse(message: str, note: str) -> ApplicationError:
        RegisterLookup.objects.create(user=user, id_number_masked=masked, allowed=False, note=note)
        logger.warning("提取信息 refused for user %s: %s", user.pk, note)
        return ApplicationError(message)

    identity = verified_identity(user)
    if identity is None:
        raise refuse(UNVERIFIED_PERSON, "账号未实名认证")
    if identity.is_resident:
        try:
            number = validate_id_number(id_number)
        except IdNumberError as e:
            raise refuse(f"身份证号有误：{e}", "号码格式错误") from None
    else:
        number = id_number.strip().upper()
    # The typed number only confirms the person's intent; the record is found by the proven
    # (证件类型, 证件号码) of the account, never by what was typed.
    if number != identity.id_number:
        raise refuse("只能提取本人的注册信息，请输入您本人实名认证的证件号码", "非本人证件号码")
    record = record_lookup(identity)
    if record is None or not record.is_valid:
        RegisterLookup.objects.create(user=user, id_number_masked=masked, allowed=True, note="无有效注册")
        raise ApplicationError("注册信息库中没有您的有效注册信息，不能办理证书遗失补办")
    RegisterLookup.objects.create(user=user, id_number_masked=masked, allowed=True, note="已提取")
    return record
