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
    """张伟's case taken through 受理, 审查 and 准予许可 by the staff personas: the case 办结
    （准予许可）, with the certificate the approval issued."""
    from review.services import case_accept, case_approve, case_review

    case = submitted_case(testcase)
    case = case_accept(case=case, actor=testcase.acceptor)
    case = case_review(case=case, actor=testcase.reviewer, opinion="符合注册条件")
    case = case_approve(case=case, actor=testcase.decider, opinion="准予注册")
    return case, Certificate.objects.get(case=case)
