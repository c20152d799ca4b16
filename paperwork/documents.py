"""What each PDF needs: the context contracts of the paperwork templates.

`paperwork` imports no domain app, so callers (cases, review, ...) build these plain dicts from
their own models and pass them in. Every value is plain data: str, int, bool, bytes, date,
datetime, and lists of dicts. Text is escaped by the template engine, so user-entered values
may contain anything.

    from paperwork.documents import ReceiptContext, receipt_pdf
    pdf = receipt_pdf(ReceiptContext(department=..., case_number=..., ...))

The typed helpers below are thin wrappers over `paperwork.pdf.render_pdf`, which callers may
also use directly with a template name and any mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal, NotRequired, TypedDict

from paperwork.pdf import render_pdf

# ---------------------------------------------------------------------------------------------
# 申请表 — template "application_form"


class FormSection(TypedDict):
    """One titled block of the form. `rows` are [label, value] pairs, printed two to a line;
    a long value (an address, an employer's name) gets a line of its own."""

    title: str  # "申请人基本信息"
    rows: Sequence[Sequence[object]]  # [["姓名", "张三"], ["性别", "男"], ...]


class Specialty(TypedDict):
    name: str  # "建筑工程"
    code: str  # "10401001"


class CommitmentEntry(TypedDict):
    """A material the applicant replaced by a written commitment (告知承诺制)."""

    material: str  # "继续教育证明"
    text: str  # the commitment as accepted, paragraphs separated by newlines
    version: str  # the text's version ("3F2A9C1E0B7D")
    accepted_at: datetime  # when the applicant ticked it, local time


class ApplicationFormContext(TypedDict):
    title: str  # "二级注册建造师初始注册申请表"
    department: str  # "辽宁省住房和城乡建设厅"
    case_number: str  # "" before submission: prints "（提交后生成）"
    item_name: str  # "初始注册"
    submit_method: str  # "网上提交" / "窗口提交" / "邮寄"
    sections: Sequence[FormSection]  # the first one holds the photo box at its top right
    specialties: Sequence[Specialty]  # may be empty: the block is left out
    photo_png: bytes | None  # the uploaded 1-inch photo (PNG or JPEG bytes), None: empty box
    printed_at: datetime
    # Printed as 「告知承诺」 before the signatures; absent or empty: the block is left out.
    commitments: NotRequired[Sequence[CommitmentEntry]]


# ---------------------------------------------------------------------------------------------
# 材料接收告知单 — template "receipt"


class ReceivedMaterial(TypedDict):
    name: str  # "申请人本人白底1寸照片"
    files: int  # how many files were uploaded for it


class ReceiptContext(TypedDict):
    department: str  # "辽宁省住房和城乡建设厅"
    document_number: str  # 文书编号 "辽建许收〔2026〕6号"
    case_number: str  # 办件编号
    matter_name: str  # "二级注册建造师执业资格认定"
    item_name: str  # "初始注册"
    applicant_name: str
    applicant_id_masked: str  # "2101**********1234" (the caller masks it)
    submitted_at: datetime
    materials: Sequence[ReceivedMaterial]
    promised_days: int  # 承诺时限, working days
    legal_days: int  # 法定时限, working days
    accept_days: int  # 5: the 受理 decision is due within this many working days
    follow_up: str  # "登录辽宁政务服务网，进入个人中心“我的办件”查看办理进度"
    phone: str  # 咨询电话
    # The body, one string per paragraph (templates/cases/notices/receipt.txt), and what is
    # printed after the materials' table.
    paragraphs: NotRequired[Sequence[str]]
    closing_paragraphs: NotRequired[Sequence[str]]
    # The sealed copy (certificates.notices): the seal's picture over the 落款 and a QR code
    # to the notice's public check.
    seal: NotRequired[SealMark]


# ---------------------------------------------------------------------------------------------
# 受理通知书 / 一次性补正告知书 / 不予受理决定书 / 准予、不予行政许可决定书 — template "notice"

NoticeKind = Literal[
    "acceptance",
    "correction",
    "rejection",
    "approval",
    "denial",
    "false_pledge",
    # 督办 (ADR 25).
    "extension",
    "pause",
    # The authority's own proceedings (ADR 27).
    "statement",
    "revocation",
    "f_cancel",
    "not_revoked",
    "not_cancel",
]

# The standard titles; callers pass the title themselves, usually one of these.
NOTICE_TITLES: dict[NoticeKind, str] = {
    "acceptance": "受理通知书",
    "correction": "一次性补正告知书",
    "rejection": "不予受理决定书",
    "approval": "准予行政许可决定书",
    "denial": "不予行政许可决定书",
    "false_pledge": "告知承诺核查不实告知书",
    "extension": "延期告知书",
    "pause": "特别程序告知书",
    "statement": "陈述申辩告知书",
    "revocation": "撤销注册决定书",
    "f_cancel": "注销注册决定书",
    "not_revoked": "不予撤销注册决定书",
    "not_cancel": "不予注销注册决定书",
}

# The heading of the items table's last column: a correction notice gives each material's
# faults; any other notice just a remark.
ITEMS_HEADINGS: dict[NoticeKind, str] = {
    "correction": "需要补正的内容及理由",
    "false_pledge": "核查发现的情况",
}
ITEMS_HEADING_DEFAULT = "说明"

# Printed by the template when `remedies` is true (《行政许可法》第三十八条、第三十二条:
# a refusal states its reasons and the right to 行政复议 or 行政诉讼).
REMEDIES_SENTENCE = (
    "如不服本决定，可在收到本决定书之日起六十日内依法向辽宁省人民政府申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


class NoticeItem(TypedDict):
    name: str  # the material: "申请人本人手写签名"
    reason: str  # what is wrong with it: "未上传" / "字迹不清晰"


class SealMark(TypedDict):
    """What a PDF copy of a sealed notice adds: the seal's picture drawn over the 落款 and a QR
    code (PNG bytes both) to the public check of that notice, with its address written out."""

    seal_png: bytes
    qr_png: bytes
    verify_url: str


class NoticeContext(TypedDict):
    kind: NoticeKind
    title: str  # NOTICE_TITLES[kind], as a rule
    document_number: str  # "辽建许受〔2026〕123号"
    department: str  # signs the notice (落款) and heads every page
    recipient_name: str  # the applicant, addressed as "张三："
    case_number: str
    matter_name: str
    item_name: str
    issued_on: date  # 落款 date
    paragraphs: Sequence[str]  # the body, one string per paragraph, written by the caller
    items: Sequence[NoticeItem]  # correction: every missing or faulty material; else usually []
    # Optional: paragraphs printed after the items table (what to do next), so the body can
    # read "...需要补正的全部内容如下：" [table] "请于...补正后重新提交。"
    closing_paragraphs: NotRequired[Sequence[str]]
    remedies: bool  # rejection / denial: print REMEDIES_SENTENCE, after everything else
    seal: NotRequired[SealMark]  # the sealed copy, as for the receipt


# ---------------------------------------------------------------------------------------------
# 注册公告 — template "bulletin"


class BulletinRow(TypedDict):
    position: int  # 序号
    kind: str  # "初始注册"
    name: str  # the holder's name, masked by the caller: "王*明"
    registration_number: str
    specialties: str  # "建筑工程、市政公用工程"
    employer_name: str
    decided_on: date


class BulletinContext(TypedDict):
    department: str  # publishes the bulletin (落款) and heads every page
    title: str  # "辽宁省住房和城乡建设厅二级建造师注册公告"
    number: str  # "辽建注公告〔2026〕第1号"
    period_start: date  # the first and the last decision date of the rows
    period_end: date
    published_on: date
    rows: Sequence[BulletinRow]


def application_form_pdf(context: ApplicationFormContext) -> bytes:
    return render_pdf(template="application_form", context=context)


def receipt_pdf(context: ReceiptContext) -> bytes:
    return render_pdf(template="receipt", context=context)


def notice_pdf(context: NoticeContext) -> bytes:
    return render_pdf(template="notice", context=context)


def bulletin_pdf_render(context: BulletinContext) -> bytes:
    return render_pdf(template="bulletin", context=context)
