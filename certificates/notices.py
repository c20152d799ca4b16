"""Sealed notices (ADR 0033): every notice (`cases.Notice`: 材料接收告知单, 受理通知书, 一次性补正告知书,
不予受理决定书, 准予/不予行政许可决定书, …) is issued as an OFD sealed with the certificates'
seal (GB/T 38540 SES_Signature, StampAnnot over the 落款), and a PDF copy showing the seal and a
QR code to the notice's public check.

- `notice_seal_request` runs in the transaction that issues the notice (handed to
  `cases.services.notice_issue` at start-up): it records the sealed notice 盖章中, with its
  verification token, and enqueues its making;
- `notice_seal_make` (the task) draws, seals and stores the OFD in the worker, never in a
  request; `notice_seals_requeue_stale` (run_periodic) hands out again what a dead worker left,
  and gives a sealed notice to any notice that has none (those issued before this existed);
- `notice_pdf_copy` draws the PDF copy from the same notice on request (paperwork's templates).

The wording is the notice's own (`Notice.data`, `cases.documents`): the OFD, the PDF and the
web page print the same words."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from cases.documents import notice_document, receipt_context
from cases.models import Notice, NoticeKind
from certificates.issuing import sealed_package
from certificates.models import SealAction, SealedNotice, SealStatus
from certificates.notice_layout import NoticeText, compose_notice
from certificates.ofd.writer import DocumentMeta, build_document
from certificates.sealimage import seal_picture_png
from certificates.tasks import make_sealed_notice
from certificates.transitions import seal_transition_find
from lib.errors import ApplicationError
from lib.masking import mask_name
from lib.storage import file_save
from lib.taskqueue import enqueue, stale_requeue
from paperwork.documents import ITEMS_HEADING_DEFAULT, ITEMS_HEADINGS, REMEDIES_SENTENCE, SealMark
from paperwork.pdf import render_pdf

logger = logging.getLogger(__name__)

# As for 加注 copies: a sealed notice is made in about a second; each claim is an attempt.
SEAL_MAX_ATTEMPTS: Final = 3
# Notices issued before sealing existed get theirs from the periodic sweep, this many a round.
BACKFILL_BATCH: Final = 200
RECORD_SCHEMA: Final = "lnzwfw/notice/1"
RECORD_FILE: Final = "notice.json"
TAG_NS: Final = "urn:lnzwfw:notice:tags:1"
QR_PNG_SCALE: Final = 8


def notice_verify_url(sealed: SealedNotice) -> str:
    """The public check of this notice: in its QR code and its attached record."""
    return settings.SITE_URL + reverse("certificates:notice_verify", args=[sealed.token])


def notice_seal_request(notice: Notice) -> SealedNotice:
    """The notice was just issued: record its sealing 盖章中 and enqueue it, in the issuing
    transaction (a rolled-back decision leaves neither)."""
    sealed = SealedNotice.objects.create(notice=notice)
    enqueue(make_sealed_notice, sealed_id=sealed.pk)
    return sealed


# --- what the sealed notice prints ---------------------------------------------------------


def sealed_notice_text(notice: Notice, *, verify_url: str) -> NoticeText:
    """The notice as the OFD prints it, from the same context as its PDF."""
    if notice.kind == NoticeKind.RECEIPT:
        receipt = receipt_context(notice)
        submitted = timezone.localtime(receipt["submitted_at"])
        return NoticeText(
            title=notice.get_kind_display(),
            number=notice.number,
            department=receipt["department"],
            recipient=receipt["applicant_name"],
            facts=(
                ("办件编号", receipt["case_number"]),
                ("事项名称", receipt["matter_name"]),
                ("办理项", receipt["item_name"]),
                ("证件号码", receipt["applicant_id_masked"]),
                ("提交时间", f"{submitted.year}年{submitted.month}月{submitted.day}日 {submitted:%H:%M}"),
                (
                    "承诺时限",
                    f"{receipt['promised_days']}个工作日（法定时限{receipt['legal_days']}个工作日）",
                ),
            ),
            paragraphs=tuple(receipt.get("paragraphs", ())),
            items_heading="已接收的材料",
            items=tuple(f"{m['name']}（{m['files']}个文件）" for m in receipt["materials"]),
            closing_paragraphs=tuple(receipt.get("closing_paragraphs", ())),
            issued_on=submitted.date(),
            verify_url=verify_url,
        )
    _, context = notice_document(notice)
    kind = context["kind"]
    return NoticeText(
        title=context["title"],
        number=context["document_number"],
        department=context["department"],
        recipient=context["recipient_name"],
        facts=(
            ("办件编号", context["case_number"]),
            ("事项名称", context["matter_name"]),
            ("办理项", context["item_name"]),
        ),
        paragraphs=tuple(context["paragraphs"]),
        items_heading=ITEMS_HEADINGS.get(kind, ITEMS_HEADING_DEFAULT),
        items=tuple(f"{i['name']}：{i['reason']}" for i in context["items"]),
        closing_paragraphs=tuple(context.get("closing_paragraphs", ())),
        remedies=REMEDIES_SENTENCE if context["remedies"] else "",
        issued_on=context["issued_on"],
        verify_url=verify_url,
    )


def notice_record(notice: Notice, *, verify_url: str) -> dict[str, Any]:
    """The machine-readable record attached to the OFD (Doc_0/Attachments/notice.json): what
    the upload check finds the notice by. No personal data: the page holds the name."""
    return {
        "schema": RECORD_SCHEMA,
        "kind": notice.kind,
        "title": notice.get_kind_display(),
        "number": notice.number,
        "case_number": notice.case.number or "",
        "department": notice.case.department.name,
        "issued_on": timezone.localdate(notice.created_at).isoformat(),
        "verify_url": verify_url,
    }


def notice_ofd(notice: Notice, *, verify_url: str, when: datetime) -> bytes:
    """Draw, seal and zip one notice."""
    text = sealed_notice_text(notice, verify_url=verify_url)
    pages = compose_notice(text)
    meta = DocumentMeta(
        title=text.title,
        author=text.department,
        custom_datas=(("文书编号", text.number), ("办件编号", notice.case.number or "")),
        record=notice_record(notice, verify_url=verify_url),
        attachment_file=RECORD_FILE,
        attachment_id="notice_data",
        attachment_name="文书数据",
        tag_ns=TAG_NS,
        tag_root="Notice",
    )
    package = build_document(pages.sheets, meta, created=timezone.localtime(when).replace(tzinfo=None))
    return sealed_package(package, center=pages.seal_center, when=when)


# --- the worker ------------------------------------------------------------------------------


def seal_transition(*, sealed: SealedNotice, action: SealAction, also: Sequence[str] = ()) -> None:
    """Move `sealed` by `action` if the table in `certificates/transitions.py` allows it, saving
    the fields named in `also` with the status. The only writer of `SealedNotice.status`."""
    transition = seal_transition_find(status=sealed.status, action=action)
    if transition is None:
        raise ApplicationError(f"该电子文书当前状态为“{SealStatus(sealed.status).label}”，不能{action.label}")
    sealed.status = transition.target
    sealed.save(update_fields=["status", *also])


def notice_seal_make(*, sealed_id: int) -> None:
    """The task: claim the sealed notice, draw and seal the OFD outside any transaction, store it."""
    now = timezone.now()
    claimed = SealedNotice.objects.filter(
        pk=sealed_id, status=SealStatus.PENDING, claimed_at__isnull=True
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return
    sealed = SealedNotice.objects.select_related(
        "notice__case__department", "notice__case__matter", "notice__case__item", "notice__case__applicant"
    ).get(pk=sealed_id)
    try:
        content = notice_ofd(sealed.notice, verify_url=notice_verify_url(sealed), when=now)
        name = file_save(f"notices/{sealed.token.hex}.ofd", content)
    except Exception as e:
        logger.exception("sealed notice %s failed", sealed_id)
        sealed.error = str(getattr(e, "message", e))[:300]
        if sealed.attempts >= SEAL_MAX_ATTEMPTS:
            seal_transition(sealed=sealed, action=SealAction.FAIL, also=["error"])
        else:
            # Still 盖章中: unclaimed, so the sweep hands it out again.
            sealed.claimed_at = None
            sealed.save(update_fields=["claimed_at", "error"])
        return
    sealed.file.name = name
    sealed.sha256 = hashlib.sha256(content).hexdigest()
    sealed.ready_at = timezone.now()
    sealed.error = ""
    seal_transition(sealed=sealed, action=SealAction.COMPLETE, also=["file", "sha256", "ready_at", "error"])


def notice_seals_requeue_stale(*, now: datetime | None = None) -> int:
    """Sealed notices left 盖章中 by a worker that died (or whose task was lost) get a new task;
    one that has used up its attempts fails; one still waiting for its task is left alone. A
    notice with no sealed notice at all (issued
    before sealing existed) gets one. Returns how many tasks were enqueued."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.COPY_STALE_SECONDS)

    def fail(sealed: SealedNotice) -> None:
        sealed.error = sealed.error or "盖章未能完成"
        seal_transition(sealed=sealed, action=SealAction.FAIL, also=["error"])
        logger.warning("sealed notice %s failed: attempts used up", sealed.pk)

    with transaction.atomic():
        stale = SealedNotice.objects.select_for_update(skip_locked=True).filter(
            status=SealStatus.PENDING, created_at__lt=cutoff
        )
        count = stale_requeue(
            stale,
            cutoff=cutoff,
            max_attempts=SEAL_MAX_ATTEMPTS,
            fail=fail,
            task=make_sealed_notice,
            key="sealed_id",
        )
        for notice in Notice.objects.filter(sealed__isnull=True).order_by("id")[:BACKFILL_BATCH]:
            notice_seal_request(notice)
            count += 1
    return count


# --- the public check ----------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeRecord:
    """What anyone holding a notice (or its QR code) may see of it: that it is ours and sealed,
    what it is and which case it belongs to, the applicant's name masked."""

    title: str
    number: str
    department: str
    issued_on: date
    case_number: str
    matter_name: str
    item_name: str
    applicant_name: str  # masked
    sealed_at: datetime | None


def notice_public_record(sealed: SealedNotice) -> NoticeRecord:
    notice = sealed.notice
    case = notice.case
    return NoticeRecord(
        title=notice.get_kind_display(),
        number=notice.number,
        department=case.department.name,
        issued_on=timezone.localdate(notice.created_at),
        case_number=case.number or "",
        matter_name=case.matter.name,
        item_name=case.item.name,
        applicant_name=mask_name(case.applicant_name),
        sealed_at=sealed.ready_at,
    )


# --- the PDF copy ------------------------------------------------------------------------------


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    import segno  # here: the worker draws it, a web worker rarely

    segno.make_qr(url, error="m").save(out, kind="png", scale=QR_PNG_SCALE, border=2)
    return out.getvalue()


def notice_pdf_copy(sealed: SealedNotice) -> bytes:
    """The PDF copy of a sealed notice: the notice's own PDF with the seal over its 落款 and a QR
    code to its public check."""
    notice = sealed.notice
    template, context = notice_document(notice)
    url = notice_verify_url(sealed)
    mark: SealMark = {
        "seal_png": seal_picture_png(authority=notice.case.department.name),
        "qr_png": _qr_png(url),
        "verify_url": url,
    }
    return render_pdf(template=template, context={**context, "seal": mark})


def notice_file_name(notice: Notice, extension: str) -> str:
    """受理通知书-辽建许受〔2026〕12号.ofd"""
    return f"{notice.get_kind_display()}-{notice.number}.{extension}"
