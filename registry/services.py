"""Writes to the register. Each registration type's effect is one function in `EFFECTS`,
called by the approval service in `review` inside its transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.models import Case
from lib.idcard import id_number_birth_date, id_number_sex
from registry.models import (
    NumberSequence,
    Person,
    RegisteredSpecialty,
    RegisterSettings,
    Registration,
    RegistrationChange,
    RegistrationStatus,
)


class RegistryError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def register_settings() -> RegisterSettings:
    settings_row, _ = RegisterSettings.objects.get_or_create(pk=1)
    return settings_row


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity_end(start: date, years: int) -> date:
    """A registration valid for `years` from `start` ends the day before the anniversary."""
    return date.fromordinal(add_years(start, years).toordinal() - 1)


def registration_number_next(*, qualification_year: int, registration_year: int) -> str:
    """A new 注册编号 in the configured format. The serial counts per first-registration
    year under a row lock, and the number column is unique besides."""
    config = register_settings()
    with transaction.atomic():
        key = f"reg-{registration_year}"
        NumberSequence.objects.get_or_create(key=key)
        seq = NumberSequence.objects.select_for_update().get(key=key)
        seq.last += 1
        seq.save(update_fields=["last"])
        return config.number_format.format(
            grade=2,
            region=config.region_code,
            qualification_year=qualification_year,
            registration_year=registration_year,
            serial=seq.last,
        )


def person_for_user(*, user: User) -> Person:
    person, _ = Person.objects.update_or_create(
        id_number=user.id_number,
        defaults={
            "name": user.name,
            "sex": id_number_sex(user.id_number),
            "birth_date": id_number_birth_date(user.id_number),
            "mobile": user.mobile,
        },
    )
    return person


def registration_grant_initial(*, case: Case) -> Registration:
    """初始注册 granted: a new registration with a 注册编号, each specialty valid 3 years."""
    data = case.form_data
    applicant: User = case.applicant
    person = person_for_user(user=applicant)
    if Registration.objects.filter(person=person, status=RegistrationStatus.VALID).exists():
        raise RegistryError("申请人已有有效注册，不能再准予初始注册")
    today = timezone.localdate()
    config = register_settings()
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
    valid_to = validity_end(today, config.validity_years)
    specialties = sorted(set(data.get("specialties") or []))
    RegisteredSpecialty.objects.bulk_create(
        RegisteredSpecialty(registration=registration, specialty=code, valid_from=today, valid_to=valid_to)
        for code in specialties
    )
    RegistrationChange.objects.create(
        registration=registration,
        case=case,
        kind="initial",
        summary=f"初始注册，注册编号{registration.number}",
        data={
            "specialties": specialties,
            "valid_to": valid_to.isoformat(),
            "employer": registration.employer_name,
        },
    )
    return registration


EFFECTS: dict[str, Callable[..., Registration]] = {
    "initial": registration_grant_initial,
}


def registration_apply_effect(*, case: Case) -> Registration:
    """The register's change for the granted case's type. Runs in the approval transaction."""
    effect = EFFECTS.get(case.item.code)
    if effect is None:
        raise RegistryError(f"“{case.item.name}”的登记规则尚未配置")
    return effect(case=case)
