"""Building cases in tests with the services, as the applicant pages would, so that tests of
the workbench, the register and the certificates do not depend on those pages."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from typing import Any, Protocol

from PIL import Image, ImageDraw

from accounts.models import Enterprise, User
from cases.models import Case, ConfirmationAnswer, ConfirmationKind, ConfirmationStatus
from cases.services import attachment_add, case_draft_save, case_submit, confirmation_answer
from cases.types import required_materials
from catalog.models import ServiceItem
from catalog.registration_types import RegistrationType
from lib.uploads import CheckedFile
from lib.uscc import uscc_check_char

# A year ago, not a fixed date: more than 3 years after the qualification, continuing
# education becomes required and these cases could no longer be submitted as they are.
QUALIFIED_ON = date.today() - timedelta(days=365)
# Another enterprise (辽宁恒泰市政工程有限公司), for a change of employer.
OTHER_EMPLOYER_USCC = "91210100MA0QC1111" + uscc_check_char("91210100MA0QC1111")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


class Personas(Protocol):
    """A test with the personas of `portal.test.BaseTestCase` (or the same made per test)."""

    applicant: User
    enterprise: User


def initial_item() -> ServiceItem:
    return ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=RegistrationType.INITIAL)


# The 事项 of each registration type: 遗失补办 is a matter of its own.
MATTER_OF_TYPE = {RegistrationType.REISSUE: "ejjzs-ysbb"}


def item_of(code: RegistrationType) -> ServiceItem:
    """The 办理项 of a registration type."""
    return ServiceItem.objects.get(matter__code=MATTER_OF_TYPE.get(code, "ejjzs-zgrd"), code=code)


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
    """A 初始注册 case in 待受理, with a file for every required material (confirmed online by
    the employer when it has a verified account: the personas' enterprise has)."""
    case = draft_case(testcase, applicant=applicant, **form)
    attach_required(testcase, case)
    return confirmations_answered(case_submit(case=case, user=case.applicant))


def employer_offline(enterprise: User) -> None:
    """The personas' enterprise without a verified account: applications naming it take the
    manual's paper path (signed-and-sealed form uploaded, straight to the department), which
    is what the tests calling this specify. For `setUpTestData`."""
    Enterprise.objects.filter(user=enterprise).update(verified_at=None)
    enterprise.enterprise.refresh_from_db()


def confirmations_answered(case: Case) -> Case:
    """`case` after every enterprise it asks answered yes (确认, 同意解聘), as a case in 待受理
    stands once its employers confirmed online (ADR 19); unchanged when nobody is asked."""
    for confirmation in case.confirmations.filter(status=ConfirmationStatus.WAITING):
        enterprise = Enterprise.objects.select_related("user").get(uscc=confirmation.uscc)
        answer = (
            ConfirmationAnswer.AGREE
            if confirmation.kind == ConfirmationKind.RELEASE
            else ConfirmationAnswer.CONFIRM
        )
        confirmation_answer(confirmation=confirmation, user=enterprise.user, answer=answer)
    return Case.objects.get(pk=case.pk)


def form_data_of(
    testcase: Personas, code: RegistrationType, *, applicant: User | None = None, **changes: Any
) -> dict[str, Any]:
    """What an applicant would post for a registration type, as saved with the draft (strings,
    lists for multiple choices); `changes` replace fields. The defaults suit 张伟 registered
    in 建筑工程 with his employer: add 公路工程, move to another employer, renew 建筑工程."""
    applicant = applicant or testcase.applicant
    defaults: dict[str, dict[str, Any]] = {
        RegistrationType.ADDITION: {
            "addition_specialties": ["10401002"],
            "addition_qualification_number": "LN2024000002",
            "addition_qualification_date": QUALIFIED_ON.isoformat(),
        },
        RegistrationType.CHANGE: {
            "change_kind": "employer",
            "employer_name": "辽宁恒泰市政工程有限公司",
            "employer_uscc": OTHER_EMPLOYER_USCC,
            "employer_contact": "钱进",
            "employer_phone": "024-88776655",
            "left_previous": "on",
            "new_name": "",
            "change_reason": "",
        },
        RegistrationType.CANCEL: {"cancel_ground": "own_request", "cancel_detail": ""},
        RegistrationType.RENEWAL: {"renewal_specialties": ["10401001"], "continuing_education_hours": "90"},
        RegistrationType.REISSUE: {
            "id_number": applicant.id_number,
            "reissue_reason": "lost",
            "statement_media": "辽宁日报",
            "statement_date": (date.today() - timedelta(days=7)).isoformat(),
        },
    }
    if code in (RegistrationType.INITIAL, RegistrationType.REREGISTER):
        return initial_form_data(testcase, **changes)
    return {**defaults[code], **changes}


def submitted_case_of(
    testcase: Personas, code: RegistrationType, form_data: dict[str, Any], *, applicant: User | None = None
) -> Case:
    """A case of any registration type in 待受理: saved as a draft, a file for every material
    it requires, submitted through `case_submit` (which checks the form against the register
    and the eligibility rules, as the 保存并提交 button does), confirmed by the enterprises it
    asks (`confirmations_answered`)."""
    case = case_draft_save(
        user=applicant or testcase.applicant, item=item_of(code), form_data=form_data, submit_method="online"
    )
    attach_required(testcase, case)
    return confirmations_answered(case_submit(case=case, user=case.applicant))
