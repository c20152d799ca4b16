from __future__ import annotations

from typing import Any

from django.db import transaction

from cases.models import Case
from cases.tests.helpers import submitted_case
from certificates.models import Certificate
from certificates.services import certificate_issue
from registry.models import Registration
from registry.services import registration_apply_effect


def granted_registration(testcase: Any) -> tuple[Registration, Certificate]:
    """张伟 registered through a case, with his first certificate issued. The case carries a
    real photo and signature (review's helper): the worker draws them on the certificate."""
    case = submitted_case(testcase)
    with transaction.atomic():
        registration = registration_apply_effect(case=case).registration
        certificate = certificate_issue(registration=registration, case=case)
    return registration, certificate


def ensure_keys() -> None:
    """Key material in the test run's CERT_KEY_DIR (a temporary folder), made once."""
    from certificates.crypto import signer_cache_clear
    from certificates.keys import key_material_create

    if key_material_create():
        signer_cache_clear()


def approved_case(testcase: Any) -> tuple[Case, Certificate]:
    """张伟's case 办结（准予许可） with its materials, and the certificate the approval issued
    (`registry.tests.builders`: the register's and the certificate's own functions, without
    walking 受理 and 审查)."""
    from catalog.registration_types import RegistrationType
    from registry.tests.builders import case_granted

    case = case_granted(testcase, RegistrationType.INITIAL, files=True)
    return case, Certificate.objects.get(case=case)
