"""What a case looks like on paper and on its pages: the applicant's personal block, the form's
answers as labels and readable values, its materials with their files, and the contexts of the
paperwork PDFs (申请表, 材料接收告知单, the notices). `paperwork` imports no domain app, so the
plain dicts it expects are built here from the case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.selectors import person_particulars
from cases.confirmation import sealed_form_waiver
from cases.deadlines import accept_workdays, promised_workdays
from cases.models import Attachment, Case, Commitment, Notice, NoticeKind
from cases.notices import notice_text
from cases.selectors import case_open_correction
from cases.services import current_attachments, current_commitments
from cases.types import required_materials, type_for_item
from catalog.models import Material, MaterialKind, ServiceItem
from catalog.specialties import specialty_name
from lib.masking import mask_id_number
from lib.uploads import ACCEPT_ANY, ACCEPT_IMAGES, msg_too_big, msg_wrong_type
from paperwork.documents import (
    ApplicationFormContext,
    CommitmentEntry,
    FormSection,
    NoticeContext,
    ReceiptContext,
    Specialty,
)
from paperwork.documents import NoticeKind as PaperNoticeKind

FOLLOW_UP = "登录辽宁政务服务网，进入个人中心“我的办件”查看办理进度"
# The multi-select that the printed form lists as its own 申请注册专业 table (with codes).
SPECIALTIES_FIELD = "specialties"


@dataclass(frozen=True)
class ApplicantProfile:
    """The 申请人信息 block, taken from the real-name account rather than typed again."""

    name: str
    sex: str
    birth_date: date | None
    id_type: str
    id_number: str
    mobile: str


def applicant_profile(user: User) -> ApplicantProfile:
    # Read from a 居民身份证 number, or as the holder of another document gave them; blank
    # (shown as —) until such a holder has (ADR 0038).
    particulars = person_particulars(user)
    return ApplicantProfile(
        name=user.name,
        sex=particulars.sex.label if particulars else "",
        birth_date=particulars.birth_date if particulars else None,
        id_type=user.get_id_type_display(),
        id_number=user.id_number,
        mobile=user.mobile,
    )


@dataclass
class MaterialRow:
    """One material of an application as the applicant's and the staff's pages list it."""

    material: Material
    required: bool
    files: list[Attachment] = field(default_factory=list)
    correction: str = ""  # the reason staff gave, while a 补正 is open
    reusable: Attachment | None = None  # the file given in an earlier application, if any
    refusal: str = ""  # why the upload that just returned here was refused
    commitment: Commitment | None = None  # the 告知承诺 in force for it, if any (ADR 20)

    @property
    def commitment_offered(self) -> bool:
        """The form offers 「告知承诺」 instead of an upload."""
        return self.material.commitment_offered

    @property
    def commitment_current(self) -> bool:
        """The commitment in force counts as the material (the catalogue still offers it)."""
        return self.commitment is not None and self.commitment_offered

    @property
    def commitment_outdated(self) -> bool:
        """Accepted under a text an administrator has changed since: shown, still valid."""
        return self.commitment is not None and self.commitment.version != self.material.commitment_version

    # Why the signed-and-sealed form need not be uploaded (单位确认 online, ADR 19), or "".
    waived: str = ""

    @property
    def format_note(self) -> str:
        return "图片" if self.images_only else "PDF或图片"

    @property
    def images_only(self) -> bool:
        return self.material.kind == MaterialKind.IMAGE

    @property
    def anchor(self) -> str:
        """The row's id: a refused upload returns to the page at this row."""
        return material_anchor(self.material.code)

    @property
    def accept(self) -> str:
        return ACCEPT_IMAGES if self.images_only else ACCEPT_ANY

    # The browser-side check (static/js/uploads.js) refuses with the server's sentences.
    @property
    def refusal_type(self) -> str:
        return upload_refusal_text(self.material, msg_wrong_type(images_only=self.images_only))

    @property
    def refusal_size(self) -> str:
        return upload_refusal_text(self.material, msg_too_big(settings.UPLOAD_MAX_BYTES))


def material_anchor(code: str) -> str:
    return f"material-{code}"


def upload_refusal_text(material: Material, reason: str) -> str:
    """What a refused upload says, on the material's row."""
    return f"“{material.name}”上传失败：{reason}"


def material_rows(
    *,
    item: ServiceItem,
    form_data: dict[str, Any],
    case: Case | None,
    reusable: Mapping[str, Attachment] | None = None,
) -> list[MaterialRow]:
    """The item's materials, each required or not by the answers, with the files that count,
    the open 补正's reason and the file an earlier application could lend (`reusable`)."""
    required = {m.code for m in required_materials(item=item, form_data=form_data)}
    waiver = sealed_form_waiver(case) if case else ""
    present = current_attachments(case) if case else {}
    committed = current_commitments(case) if case else {}
    corrections: dict[str, str] = {}
    if case and (event := case_open_correction(case)):
        corrections = {str(i.get("code")): str(i.get("reason", "")) for i in event.data.get("items", [])}
    return [
        MaterialRow(
            m,
            m.code in required and not (waiver and m.sealed_by_employer),
            present.get(m.code, []),
            corrections.get(m.code, ""),
            (reusable or {}).get(m.code),
            commitment=committed.get(m.code),
            waived=waiver if m.sealed_by_employer else "",
        )
        for m in item.materials.all()
    ]


def _display(field: forms.Field, value: Any) -> str:
    """A stored answer as a reader wants it: choice labels rather than codes."""
    if isinstance(field, forms.ChoiceField):
        labels = {str(k): str(v) for k, v in cast(Iterable[tuple[Any, Any]], field.choices)}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in values if v not in ("", None))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


Rows = list[tuple[str, str]]


def form_display(
    case: Case, *, skip: frozenset[str] = frozenset(), full_numbers: bool = False, omit_blank: bool = True
) -> list[tuple[str, Rows]]:
    """The saved form by section: (title, [(label, value), ...]), in the type's order. An
    optional field left blank is left out unless not `omit_blank` (staff see every field); a
    typed ID number is masked unless `full_numbers` (the signed paper form carries it in
    full). What 提取信息 filled in comes last."""
    app_type = type_for_item(case.item)
    if app_type is None:
        return []
    fields, data = app_type.form_class.base_fields, case.form_data
    sections: list[tuple[str, Rows]] = []
    for title, names in app_type.form_class.sections:
        rows: Rows = []
        for name in names:
            value = _display(fields[name], data.get(name, ""))
            if name in skip or (omit_blank and not value and not fields[name].required):
                continue
            if name == "id_number" and value and not full_numbers:
                value = mask_id_number(value)
            rows.append((str(fields[name].label), value))
        sections.append((title, rows))
    extracted = data.get("extracted")
    if isinstance(extracted, dict):
        sections.append(("提取的注册信息", _extracted_rows(extracted)))
    return sections


def _extracted_rows(extracted: dict[str, Any]) -> Rows:
    specialties = [s for s in extracted.get("specialties", []) if isinstance(s, dict)]
    return [
        ("姓名", str(extracted.get("name", ""))),
        ("注册编号", str(extracted.get("number", ""))),
        ("聘用企业", str(extracted.get("employer_name", ""))),
        (
            "注册专业及有效期",
            "；".join(f"{s.get('name')}（{s.get('valid_from')}至{s.get('valid_to')}）" for s in specialties),
        ),
    ]


def _photo_bytes(case: Case) -> bytes | None:
    photos = current_attachments(case).get("photo")
    if not photos:
        return None
    with photos[-1].file.open("rb") as f:
        data: bytes = f.read()
    return data


def application_form_context(case: Case) -> ApplicationFormContext:
    """打印申请表: the saved form with the account's personal data and the uploaded photo."""
    app_type = type_for_item(case.item)
    profile = applicant_profile(case.applicant)
    personal: FormSection = {
        "title": "申请人基本信息",
        "rows": [
            ["姓名", profile.name],
            ["性别", profile.sex],
            ["出生日期", f"{profile.birth_date:%Y-%m-%d}" if profile.birth_date else ""],
            ["证件类型", profile.id_type],
            # The signed paper form is what the department files: it carries the full number.
            ["证件号码", profile.id_number],
            ["手机号码", profile.mobile],
        ],
    }
    chosen = case.form_data.get(SPECIALTIES_FIELD)
    codes = [str(code) for code in chosen] if isinstance(chosen, list) else []
    specialties: list[Specialty] = [{"name": specialty_name(code), "code": code} for code in codes]
    skip = frozenset({SPECIALTIES_FIELD}) if specialties else frozenset()
    sections = [personal] + [
        FormSection(title=title, rows=[[label, value] for label, value in rows])
        for title, rows in form_display(case, skip=skip, full_numbers=True)
        if rows
    ]
    return {
        "title": app_type.form_title if app_type else case.item.name,
        "department": case.department.name,
        "case_number": case.number or "",
        "item_name": case.item.name,
        "submit_method": case.get_submit_method_display(),
        "sections": sections,
        "specialties": specialties,
        "photo_png": _photo_bytes(case),
        "printed_at": timezone.now(),
        "commitments": _commitment_entries(case),
    }


def _commitment_entries(case: Case) -> list[CommitmentEntry]:
    """The 告知承诺 the printed form states, as accepted (text and version of that moment)."""
    return [
        {
            "material": c.material_name,
            "text": c.text,
            "version": c.version,
            "accepted_at": timezone.localtime(c.accepted_at),
        }
        for c in current_commitments(case).values()
    ]


def receipt_context(notice: Notice) -> ReceiptContext:
    """材料接收告知单 from what the notice recorded when it was issued, its wording from
    templates/cases/notices/receipt.txt (the PDF and the sealed OFD print the same words)."""
    case = notice.case
    data = notice.data
    # The notice's own time: a resubmission issues a new receipt and moves submitted_at.
    submitted = timezone.localtime(notice.created_at)
    context: ReceiptContext = {
        "department": case.department.name,
        "document_number": notice.number,
        "case_number": case.number or "",
        "matter_name": case.matter.name,
        "item_name": case.item.name,
        "applicant_name": case.applicant_name,
        "applicant_id_masked": mask_id_number(case.applicant.id_number),
        "submitted_at": notice.created_at,
        "materials": [
            {"name": str(m.get("name", "")), "files": int(m.get("files", 0))}
            for m in data.get("materials", [])
        ],
        "promised_days": int(data.get("promised_days", promised_workdays(case.item))),
        "legal_days": int(data.get("legal_days", case.matter.legal_days)),
        "accept_days": int(data.get("accept_days", accept_workdays(case.item))),
        "follow_up": FOLLOW_UP,
        "phone": case.matter.phone or case.department.phone,
    }
    body = notice_text(
        NoticeKind.RECEIPT,
        **{k: v for k, v in context.items() if k != "submitted_at"},
        # A time, not only a date: formatted here (notice_text keeps the date of a datetime).
        submitted_time=f"{submitted.year}年{submitted.month}月{submitted.day}日 {submitted:%H:%M}",
    )
    context["paragraphs"] = body["paragraphs"]
    context["closing_paragraphs"] = body.get("closing_paragraphs", [])
    return context


def notice_context(notice: Notice) -> NoticeContext:
    """受理通知书 and the other decisions: the body recorded in Notice.data, headed by the case."""
    case = notice.case
    data = notice.data
    kind: PaperNoticeKind = notice.kind  # type: ignore[assignment]
    context: NoticeContext = {
        "kind": kind,
        "title": notice.get_kind_display(),
        "document_number": notice.number,
        "department": case.department.name,
        "recipient_name": case.applicant_name,
        "case_number": case.number or "",
        "matter_name": case.matter.name,
        "item_name": case.item.name,
        "issued_on": timezone.localdate(notice.created_at),
        "paragraphs": [str(p) for p in data.get("paragraphs", [])],
        "items": [
            {"name": str(i.get("name", "")), "reason": str(i.get("reason", ""))}
            for i in data.get("items", [])
        ],
        "remedies": bool(data.get("remedies")),
    }
    if data.get("closing_paragraphs"):
        context["closing_paragraphs"] = [str(p) for p in data["closing_paragraphs"]]
    return context


def notice_document(notice: Notice) -> tuple[str, dict[str, Any]]:
    """The paperwork template and context for a notice: its own layout for the receipt."""
    if notice.kind == NoticeKind.RECEIPT:
        return "receipt", dict(receipt_context(notice))
    return "notice", dict(notice_context(notice))


def notice_filename(notice: Notice) -> str:
    """受理通知书-LN2026112400001.pdf"""
    return f"{notice.get_kind_display()}-{notice.case.number or notice.number}.pdf"
