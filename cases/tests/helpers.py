"""Building cases in tests without going through the pages."""

from __future__ import annotations

import hashlib
from typing import Any

from cases.models import Case
from cases.services import attachment_add, case_draft_save, case_submit
from catalog.models import ServiceItem
from lib.uploads import CheckedFile

VALID_INITIAL_FORM: dict[str, Any] = {
    "education": "本科",
    "major": "土木工程",
    "qualification_number": "LN2020123456",
    "qualification_specialties": ["10401001", "10401010"],
    "qualification_date": "2024-05-01",
    "employer_name": "辽宁宏建建设集团有限公司",
    "employer_uscc": "",  # filled with the enterprise persona's code
    "employer_contact": "赵敏",
    "employer_phone": "024-23447766",
    "specialties": ["10401001"],
    "continuing_education_hours": "",
}


def fake_file(extension: str = "pdf") -> CheckedFile:
    content = b"%PDF-1.4 test" if extension == "pdf" else b"\x89PNG test"
    return CheckedFile(
        content=content,
        extension=extension,
        content_type="application/pdf" if extension == "pdf" else "image/png",
        width=None,
        height=None,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def initial_item() -> ServiceItem:
    return ServiceItem.objects.get(matter__code="ejjzs-zgrd", code="initial")


def draft_case(testcase: Any, **form: Any) -> Case:
    data = {**VALID_INITIAL_FORM, "employer_uscc": testcase.enterprise.enterprise.uscc, **form}
    return case_draft_save(
        user=testcase.applicant, item=initial_item(), form_data=data, submit_method="online"
    )


def attach_required(testcase: Any, case: Case) -> None:
    for material in case.item.materials.filter(required=True):
        attachment_add(
            case=case,
            material=material,
            checked=fake_file("png" if material.kind == "image" else "pdf"),
            original_name=f"{material.name}.pdf",
            user=testcase.applicant,
        )


def submitted_case(testcase: Any, **form: Any) -> Case:
    case = draft_case(testcase, **form)
    attach_required(testcase, case)
    return case_submit(case=case, user=testcase.applicant)
