"""Writes for certificates.

- `certificate_issue` runs inside the approval transaction: a new version (电子证照标识 with a
  higher version) for the registration; the previous one becomes 已被新证书替代.
- `certificate_copy_request` is the 「加注」 button: it records a copy 加注中 and enqueues its
  making; `certificate_copy_make` (the task) draws, seals and stores the OFD in the worker,
  never in a request that holds locks."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Case
from cases.services import sequence_next
from cases.types import sixty_fifth_birthday
from certificates.issuing import certificate_data, sealed_ofd
from certificates.models import (
    Certificate,
    CertificateCopy,
    CertificateLog,
    CertificateSettings,
    CertificateStatus,
    CopyStatus,
    LogAction,
)
from certificates.tasks import make_certificate_copy
from lib.licenseid import license_id_build
from lib.metrics import certificate_copy_timer
from lib.taskqueue import enqueue
from registry.models import Registration, RegistrationChange, RegistrationStatus

logger = logging.getLogger(__name__)

# A copy whose worker died is handed out again after this long.
COPY_STALE_SECONDS = 120
COPY_MAX_ATTEMPTS = 3


class CertificateError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def certificate_settings() -> CertificateSettings:
    row, _ = CertificateSettings.objects.get_or_create(pk=1)
    return row


def _issuer_uscc(registration: Registration) -> str:
    return registration.created_by_case.department.uscc or "000000000000000000"


def certificate_issue(
    *, registration: Registration, case: Case | None, revoke_reason: str = ""
) -> Certificate:
    """A new certificate version for `registration`. The current one becomes 已被新证书替代,
    or, given a `revoke_reason` (a lost certificate replaced), 已作废."""
    config = certificate_settings()
    with transaction.atomic():
        previous = (
            Certificate.objects.select_for_update()
            .filter(registration=registration, status=CertificateStatus.CURRENT)
            .first()
        )
        if previous is not None:
            previous.revoked_at = timezone.now()
            if revoke_reason:
                previous.status, previous.revoke_reason = CertificateStatus.REVOKED, revoke_reason[:200]
                action, detail = LogAction.REVOKE, revoke_reason[:200]
            else:
                previous.status, action, detail = (
                    CertificateStatus.SUPERSEDED,
                    LogAction.SUPERSEDE,
                    "换发新版本",
                )
            previous.save(update_fields=["status", "revoked_at", "revoke_reason"])
            CertificateLog.objects.create(certificate=previous, action=action, detail=detail)
            serial, version = previous.serial, previous.version + 1
        else:
            serial, version = f"{sequence_next(key='certificate-serial'):08d}", 1
        certificate = Certificate.objects.create(
            registration=registration,
            serial=serial,
            version=version,
            license_id=license_id_build(
                type_code=config.type_code,
                issuer_uscc=_issuer_uscc(registration),
                serial=serial,
                version=version,
            ),
            case=case,
            issued_on=timezone.localdate(),
        )
        CertificateLog.objects.create(certificate=certificate, action=LogAction.ISSUE)
        return certificate


def certificate_revoke(*, registration: Registration, reason: str) -> None:
    """The registration ended: its certificate and every copy stop being valid."""
    with transaction.atomic():
        for certificate in Certificate.objects.select_for_update().filter(
            registration=registration, status=CertificateStatus.CURRENT
        ):
            certificate.status = CertificateStatus.REVOKED
            certificate.revoked_at = timezone.now()
            certificate.revoke_reason = reason
            certificate.save(update_fields=["status", "revoked_at", "revoke_reason"])
            CertificateLog.objects.create(
                certificate=certificate, action=LogAction.REVOKE, detail=reason[:200]
            )


def certificate_follow_register(*, change: RegistrationChange) -> Certificate | None:
    """The certificate after a granted case changed the register: a cancellation revokes it;
    a reissue replaces it (the lost one is revoked); any other change makes a new version,
    the previous one 已被新证书替代. Runs in the approval transaction."""
    registration, case = change.registration, change.case
    number = case.number if case else ""
    if change.kind == "cancel":
        certificate_revoke(registration=registration, reason=f"注册已注销，办件编号{number}")
        return None
    if change.kind == "reissue":
        return certificate_issue(
            registration=registration,
            case=case,
            revoke_reason=f"证书遗失补办，办件编号{number}",
        )
    return certificate_issue(registration=registration, case=case)


def usage_valid_until(*, certificate: Certificate, today: date) -> date:
    """The earliest of today + the configured days, the earliest expiry of the specialties
    still valid and the holder's 65th birthday. A specialty left to expire (not renewed) no
    longer counts: the holder stays registered in the others and needs copies for them."""
    registration = certificate.registration
    candidates = [today + timedelta(days=certificate_settings().usage_days)]
    candidates += [s.valid_to for s in registration.specialties.all() if s.valid_to >= today]
    candidates.append(sixty_fifth_birthday(registration.person.birth_date))
    return min(candidates)


def annotate_refusal(*, certificate: Certificate, today: date) -> str | None:
    """Why 加注 is refused now, in Chinese, or None."""
    registration = certificate.registration
    # `status_on`: a registration whose every specialty expired is 失效 before the daily job
    # writes it.
    status = registration.status_on(today)
    if status == RegistrationStatus.CANCELLED:
        return "该注册已注销，不能加注"
    if status != RegistrationStatus.VALID:
        return "该注册已失效，不能加注"
    if certificate.status == CertificateStatus.REVOKED:
        return "该证书已作废，请对最新证书加注"
    if certificate.status != CertificateStatus.CURRENT:
        return "该证书已被新证书替代，请对最新证书加注"
    if usage_valid_until(certificate=certificate, today=today) <= today:
        return "注册专业已过有效期或已达到年龄上限，不能加注"
    return None


def certificate_copy_request(*, certificate: Certificate, user: User) -> CertificateCopy:
    """「加注」: record a copy 加注中 and enqueue its making (in this transaction)."""
    today = timezone.localdate()
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("registration__person")
            .get(pk=certificate.pk)
        )
        if refusal := annotate_refusal(certificate=certificate, today=today):
            raise CertificateError(refusal)
        pending = certificate.copies.filter(status=CopyStatus.PENDING).first()
        if pending is not None:
            # A double click, or a second tab: the copy being made is the answer.
            return pending
        start_of_day = timezone.make_aware(datetime.combine(today, datetime.min.time()))
        made_today = certificate.copies.filter(requested_at__gte=start_of_day).count()
        limit = certificate_settings().copies_per_day
        if made_today >= limit:
            raise CertificateError(f"每天最多加注{limit}次，请明天再试；已生成的证书在使用有效期内仍可使用")
        copy = CertificateCopy.objects.create(
            certificate=certificate,
            usage_valid_until=usage_valid_until(certificate=certificate, today=today),
            requested_by=user,
        )
        CertificateLog.objects.create(
            certificate=certificate, copy=copy, user=user, action=LogAction.ANNOTATE
        )
        enqueue(make_certificate_copy, copy_id=copy.pk)
        return copy


def verify_url(copy: CertificateCopy) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[copy.token])


def certificate_copy_make(*, copy_id: int) -> None:
    """The task: claim the copy, draw and seal the OFD outside any transaction, store it."""
    now = timezone.now()
    claimed = CertificateCopy.objects.filter(
        pk=copy_id, status=CopyStatus.PENDING, claimed_at__isnull=True
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return
    copy = CertificateCopy.objects.select_related(
        "certificate__registration__person", "certificate__registration__created_by_case__department"
    ).get(pk=copy_id)
    try:
        with certificate_copy_timer():
            content = sealed_ofd(certificate_data(copy=copy, verify_url=verify_url(copy)), when=now)
    except Exception as e:
        logger.exception("certificate copy %s failed", copy_id)
        copy.status = CopyStatus.FAILED if copy.attempts >= COPY_MAX_ATTEMPTS else CopyStatus.PENDING
        copy.claimed_at = None if copy.status == CopyStatus.PENDING else copy.claimed_at
        copy.error = str(getattr(e, "message", e))[:300]
        copy.save(update_fields=["status", "claimed_at", "error"])
        return
    name = default_storage.save(f"certificates/{copy.token.hex}.ofd", ContentFile(content))
    copy.file.name = name
    copy.sha256 = hashlib.sha256(content).hexdigest()
    copy.status = CopyStatus.READY
    copy.ready_at = timezone.now()
    copy.error = ""
    copy.save(update_fields=["file", "sha256", "status", "ready_at", "error"])


def certificate_copies_requeue_stale(*, now: datetime | None = None) -> int:
    """Copies left 加注中 by a worker that died (or whose task was lost) get a new task."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=COPY_STALE_SECONDS)
    count = 0
    with transaction.atomic():
        stale = CertificateCopy.objects.select_for_update(skip_locked=True).filter(
            status=CopyStatus.PENDING, requested_at__lt=cutoff
        )
        for copy in stale:
            if copy.claimed_at is not None and copy.claimed_at >= cutoff:
                continue  # a worker is on it right now
            copy.claimed_at = None
            copy.save(update_fields=["claimed_at"])
            enqueue(make_certificate_copy, copy_id=copy.pk)
            count += 1
    return count


def certificate_download_log(*, copy: CertificateCopy, user: User | None) -> None:
    CertificateLog.objects.create(
        certificate=copy.certificate, copy=copy, user=user, action=LogAction.DOWNLOAD
    )
