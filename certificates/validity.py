"""The one home of a certificate's validity: `certificate_verdict` answers for a 加注 copy (the
public verification page, the uploaded-file check, the holder's list, the export) and for a
copy about to be made (「加注」), with the same checks in the same order.

Worst reason first: the register decides (撤销, then 注销, then 失效, read through
`Registration.status_on`, so before the daily job writes it), then the certificate's own
version (作废, then 已被新证书替代), then the copy's 使用有效期."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import models

from cases.types import sixty_fifth_birthday
from catalog.registration_types import ChangeKind
from certificates.models import Certificate, CertificateCopy, CertificateSettings, CertificateStatus
from registry.models import RegistrationStatus


class CertificateVerdict(models.TextChoices):
    VALID = "valid", "有效"
    # The value "revoked" predates this enum: pages and style sheets carry it.
    CANCELLED = "revoked", "注册已注销"
    # 撤销注册 (ADR 27): "revoked" was taken by 注销 before this existed.
    REVOKED = "reg_revoked", "注册已撤销"
    LAPSED = "lapsed", "注册已失效"
    VOID = "void", "已作废"
    SUPERSEDED = "superseded", "已被新证书替代"
    EXPIRED = "expired", "超过使用有效期"

    @property
    def is_valid(self) -> bool:
        return self is CertificateVerdict.VALID


# The register's own end of a registration: the history kinds whose date a verdict states.
_REGISTER_ENDED_BY: dict[CertificateVerdict, tuple[ChangeKind, ...]] = {
    CertificateVerdict.REVOKED: (ChangeKind.REVOKE,),
    CertificateVerdict.CANCELLED: (ChangeKind.CANCEL, ChangeKind.FORCED_CANCEL),
}


def verdict_since(*, certificate: Certificate, verdict: CertificateVerdict) -> datetime | None:
    """When what `verdict` says happened: the register's 撤销 or 注销 (a cancelled registration
    may later be revoked, and a copy of an older version was issued before either), else the
    certificate's own 作废 or 换发; None for a valid, lapsed or expired one."""
    kinds = _REGISTER_ENDED_BY.get(verdict)
    if kinds is not None:
        ended = certificate.registration.changes.filter(kind__in=kinds).order_by("-created_at", "-pk").first()
        if ended is not None:
            return ended.created_at
        # No history row (a register older than its history): the certificate ended with it.
        return certificate.revoked_at
    if verdict in (CertificateVerdict.VOID, CertificateVerdict.SUPERSEDED):
        return certificate.revoked_at
    return None


def usage_valid_until(
    *, certificate: Certificate, today: date, policy: CertificateSettings | None = None
) -> date:
    """The 使用有效期 of a copy made today: the earliest of today + the configured days, the
    earliest expiry of the specialties still valid and the holder's 65th birthday. A specialty
    left to expire (not renewed) no longer counts: the holder stays registered in the others
    and needs copies for them."""
    registration = certificate.registration
    policy = policy or CertificateSettings.current()
    candidates = [today + timedelta(days=policy.usage_days)]
    candidates += [s.valid_to for s in registration.specialties.all() if s.valid_to >= today]
    candidates.append(sixty_fifth_birthday(registration.person.birth_date))
    return min(candidates)


def certificate_validity_period(*, certificate: Certificate) -> tuple[date, date]:
    """The 有效期 of a certificate version as a licence (what the 电子证照库 records): from its
    issue to the last day a specialty on it is valid, or the holder's 65th birthday if that
    comes first (as for a copy's 使用有效期 above). Each specialty keeps its own dates, which
    the licence lists too."""
    registration = certificate.registration
    ends = [s.valid_to for s in registration.specialties.all()]
    end = max(ends, default=certificate.issued_on)
    return certificate.issued_on, min(end, sixty_fifth_birthday(registration.person.birth_date))


def copy_usage_expired(copy: CertificateCopy, *, today: date) -> bool:
    """The copy's 使用有效期 has passed: it is valid through its last day."""
    return copy.usage_valid_until < today


def certificate_verdict(
    *,
    certificate: Certificate,
    today: date,
    copy: CertificateCopy | None = None,
    policy: CertificateSettings | None = None,
) -> CertificateVerdict:
    """Whether `copy` of `certificate` is valid `today`, or, without a copy, whether a copy
    made today would be (a 使用有效期 that ends before tomorrow makes none). `policy`: the
    rules in force, where the caller has read them already."""
    status = certificate.registration.status_on(today)
    if status == RegistrationStatus.REVOKED:
        return CertificateVerdict.REVOKED
    if status == RegistrationStatus.CANCELLED:
        return CertificateVerdict.CANCELLED
    if status != RegistrationStatus.VALID:
        return CertificateVerdict.LAPSED
    if certificate.status == CertificateStatus.REVOKED:
        return CertificateVerdict.VOID
    if certificate.status != CertificateStatus.CURRENT:
        return CertificateVerdict.SUPERSEDED
    if copy is not None:
        expired = copy_usage_expired(copy, today=today)
    else:
        expired = usage_valid_until(certificate=certificate, today=today, policy=policy) <= today
    return CertificateVerdict.EXPIRED if expired else CertificateVerdict.VALID
