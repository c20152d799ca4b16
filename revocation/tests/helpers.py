"""Proceedings in tests, started and walked through the services as staff and holder would."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.utils import timezone
from pypdf import PdfWriter

from catalog.registration_types import ProceedingKind
from certificates.models import Certificate, CertificateCopy, CertificateStatus, CopyStatus
from registry.models import Registration
from registry.tests.helpers import registered
from revocation.models import Ground, Proceeding
from revocation.services import proceeding_start

FACTS = "经查，申请人提交的劳动合同系伪造，聘用单位出具书面说明否认与其存在劳动关系。"


def registration_with_copy(testcase: Any) -> tuple[Registration, CertificateCopy]:
    """张伟 registered (an approved 初始注册), with a 加注 copy ready for the public page (the
    file itself is not the subject here: the verdict is)."""
    registration = registered(testcase)
    certificate = Certificate.objects.get(registration=registration, status=CertificateStatus.CURRENT)
    copy = CertificateCopy.objects.create(
        certificate=certificate,
        usage_valid_until=timezone.localdate() + timedelta(days=30),
        requested_by=testcase.applicant,
        status=CopyStatus.READY,
    )
    return registration, copy


def started(
    testcase: Any,
    registration: Registration,
    *,
    kind: ProceedingKind = ProceedingKind.REVOKE,
    ground: Ground = Ground.DECEPTION,
) -> Proceeding:
    return proceeding_start(
        kind=kind, registration=registration, ground=ground, facts=FACTS, by=testcase.reviewer
    )


def period_over(proceeding: Proceeding) -> Proceeding:
    """The 陈述申辩 period ended yesterday (the rule, not the calendar, is the subject)."""
    Proceeding.objects.filter(pk=proceeding.pk).update(statement_due=timezone.localdate() - timedelta(days=1))
    proceeding.refresh_from_db()
    return proceeding


def pdf_upload() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
