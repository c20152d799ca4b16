"""Building cases in tests with the services, as the applicant pages would, so that tests of
the workbench, the register and the certificates do not depend on those pages."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from typing import Any, Protocol

from PIL import Image, ImageDraw

from accounts.models import User
from cases.models import Case
from cases.services import attachment_add, case_draft_save, case_submit
from cases.types import required_materials
from catalog.models import ServiceItem
from lib.uploads import CheckedFile

# A year ago, not a fixed date: more than 3 years after the qualification, continuing
# education becomes required and these cases could no longer be submitted as they are.
QUALIFIED_ON = date.today() - timedelta(days=365)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


class Personas(Protocol):
    """A test with the personas of `portal.test.BaseTestCase` (or the same made per test)."""

    applicant: User
    enterprise: User


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
        "continuing_education_hours": "",
    }
    data.update(changes)
    return data


def _checked(content: bytes, extension: str, content_type: str, size: tuple[int, int] | None) -> CheckedFile:
    return CheckedFile(
        content=content,
        extension=extension,
        content_type=content_type,
        width=size[0] if size else None,
        height=size[1] if size else None,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def png_file() -> CheckedFile:
    """A real 1-inch photo (the certificate draws it), which also serves as a signature."""
    image = Image.new("RGB", (295, 413), "white")
    ImageDraw.Draw(image).ellipse((90, 80, 205, 215), fill=(60, 45, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return _checked(buffer.getvalue(), "png", "image/png", image.size)


def pdf_file() -> CheckedFile:
    return _checked(PDF_BYTES, "pdf", "application/pdf", None)


def draft_case(testcase: Personas, *, applicant: User | None = None, **form: Any) -> Case:
    return case_draft_save(
        user=applicant or testcase.applicant,
        item=initial_item(),
        form_data=initial_form_data(testcase, **form),
        submit_method="online",
    )


def attach_required(testcase: Personas, case: Case) -> None:
    """A file for every material this application requires."""
    for material in required_materials(item=case.item, form_data=case.form_data):
        image = material.kind == "image"
        attachment_add(
            case=case,
            material=material,
            checked=png_file() if image else pdf_file(),
            original_name=f"{material.name}.{'png' if image else 'pdf'}",
            user=case.applicant,
        )


def submitted_case(testcase: Personas, *, applicant: User | None = None, **form: Any) -> Case:
    """A 初始注册 case in 待受理, with a file for every required material."""
    case = draft_case(testcase, applicant=applicant, **form)
    attach_required(testcase, case)
    return case_submit(case=case, user=case.applicant)
