"""Submitted cases for the workbench tests, made with the services as the applicant pages
would make them, so these tests do not depend on those pages."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from typing import Any, Protocol

from PIL import Image

from accounts.models import User
from cases.models import Case
from cases.services import attachment_add, case_draft_save, case_submit
from cases.types import required_materials
from catalog.models import ServiceItem
from lib.uploads import CheckedFile

# A year ago, not a fixed date: more than 3 years after the qualification, continuing
# education becomes required and the case could no longer be submitted with these materials.
QUALIFIED_ON = date.today() - timedelta(days=365)


class Personas(Protocol):
    """A test with the personas of `portal.test.BaseTestCase` (or the same made per test)."""

    applicant: User
    enterprise: User


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


def initial_item() -> ServiceItem:
    return ServiceItem.objects.get(matter__code="ejjzs-zgrd", code="initial")


def initial_form_data(testcase: Personas, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "education": "本科",
        "major": "土木工程",
        "qualification_number": "LN2020123456",
        "qualification_specialties": ["10401001"],
        "qualification_date": QUALIFIED_ON.isoformat(),
        "employer_name": "辽宁宏建建设集团有限公司",
        "employer_uscc": testcase.enterprise.enterprise.uscc,
        "employer_contact": "赵敏",
        "employer_phone": "024-23447766",
        "specialties": ["10401001"],
    }
    data.update(changes)
    return data


def png_file() -> CheckedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (295, 413), "white").save(buffer, format="PNG")
    content = buffer.getvalue()
    return CheckedFile(
        content=content,
        extension="png",
        content_type="image/png",
        width=295,
        height=413,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def pdf_file() -> CheckedFile:
    return CheckedFile(
        content=PDF_BYTES,
        extension="pdf",
        content_type="application/pdf",
        width=None,
        height=None,
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
    )


def submitted_case(testcase: Personas, *, applicant: User | None = None) -> Case:
    """A 初始注册 case in 待受理, with a file for every required material."""
    user = applicant or testcase.applicant
    item = initial_item()
    case = case_draft_save(
        user=user, item=item, form_data=initial_form_data(testcase), submit_method="online"
    )
    for material in required_materials(item=item, form_data=case.form_data):
        image = material.kind == "image"
        attachment_add(
            case=case,
            material=material,
            checked=png_file() if image else pdf_file(),
            original_name=f"{material.name}.{'png' if image else 'pdf'}",
            user=user,
        )
    return case_submit(case=case, user=user)
