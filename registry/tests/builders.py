"""The register in tests, built directly: a case written as granted (`case_build`), then the
register's and the certificate's rows written by the functions the approval itself calls
(`registration_apply_effect`, `certificate_follow_register`), so the rows are the ones
production writes. For tests where a registration is a precondition; `registry.tests.helpers`
takes cases through 受理, 审查 and 准予许可 where the approval is the subject."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.models import User
from cases.models import Case, CaseAction
from cases.tests.builders import case_build
from cases.tests.helpers import form_data_of
from catalog.registration_types import RegistrationType
from certificates.services import certificate_follow_register
from registry.models import Registration
from registry.services import registration_apply_effect


def case_granted(
    testcase: Any,
    code: RegistrationType,
    *,
    applicant: User | None = None,
    files: bool = False,
    **changes: Any,
) -> Case:
    """A case of type `code` with the default answers (`form_data_of`, `changes` replace
    fields) granted: the case 办结（准予许可）, the register changed and the certificate
    following it, the approval's event holding what it names (as `review.services`). With
    `files`, the case holds its materials (the photo and signature the certificate draws)."""
    form = form_data_of(testcase, code, applicant=applicant, **changes)
    case = case_build(testcase, code, applicant=applicant, form_data=form, files=files)
    change = registration_apply_effect(case=case)
    certificate = certificate_follow_register(change=change)
    case.events.filter(action=CaseAction.APPROVE).update(
        data={
            "registration_number": change.registration.number,
            "license_id": certificate.license_id if certificate else "",
            "change": change.summary,
        }
    )
    return case


def registration_granted(
    testcase: Any,
    *,
    applicant: User | None = None,
    specialties: tuple[str, ...] = ("10401001",),
    valid_to: dict[str, date] | None = None,
) -> Registration:
    """`applicant` (张伟 by default) registered by a granted 初始注册 in `specialties`, with
    its certificate and no case left open; `valid_to` moves expiry dates (a registration met
    late in its life). The same rows as `registry.tests.helpers.registered`."""
    codes = list(specialties)
    case = case_granted(
        testcase,
        RegistrationType.INITIAL,
        applicant=applicant,
        qualification_specialties=codes,
        specialties=codes,
    )
    registration = Registration.objects.get(created_by_case=case)
    for code, day in (valid_to or {}).items():
        registration.specialties.filter(specialty=code).update(valid_to=day)
    return registration
