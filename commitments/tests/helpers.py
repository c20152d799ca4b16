"""Cases with a 告知承诺, walked through the services as the applicant and the staff would:
the commitment is what these tests are about, so it is given the way the form gives it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cases.models import Case
from cases.services import attachment_add, case_draft_save, case_submit, commitment_accept
from cases.tests.helpers import initial_form_data, initial_item, pdf_file, png_file
from cases.types import required_materials
from registry.tests.helpers import case_grant

COMMITTED = "continuing_education"
# More than 3 years after the qualification: the 继续教育证明 is required, and promised instead.
OLD_QUALIFICATION = (date.today() - timedelta(days=5 * 365)).isoformat()


def committed_case(testcase: Any) -> Case:
    """A 初始注册 in 待受理 whose 继续教育证明 is a commitment; every other material uploaded."""
    case = case_draft_save(
        user=testcase.applicant,
        item=initial_item(),
        form_data=initial_form_data(
            testcase, qualification_date=OLD_QUALIFICATION, continuing_education_hours="90"
        ),
        submit_method="online",
    )
    for material in required_materials(item=case.item, form_data=case.form_data):
        if material.code == COMMITTED:
            commitment_accept(
                case=case, material=material, user=case.applicant, version=material.commitment_version
            )
            continue
        image = material.kind == "image"
        attachment_add(
            case=case,
            material=material,
            checked=png_file() if image else pdf_file(),
            original_name=f"{material.name}.{'png' if image else 'pdf'}",
            user=case.applicant,
        )
    return case_submit(case=case, user=case.applicant)


def granted_committed_case(testcase: Any) -> Case:
    """`committed_case`, 受理, 审查 and 准予: its 核查 task is open."""
    return case_grant(testcase, committed_case(testcase))
