"""Reads of certificates, scoped to who is asking.

A certificate belongs to the person in the register whose 身份证件号码 is the account's: the
holder sees it from any of their cases and from 我的证照; anyone else gets a 404. The public
verification page reads a copy by the token printed in its QR code, and nothing more."""

from __future__ import annotations

import json
import time
import uuid
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Case as DbCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import Http404
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from accounts.selectors import account_of_identity, verified_identity
from cases.models import CaseStatus
from cases.selectors import case_get_for_applicant, notice_get_for_user
from certificates.document import CertificateData
from certificates.issuing import certificate_data
from certificates.models import (
    Certificate,
    CertificateCopy,
    CertificateLog,
    CertificateStatus,
    CopyStatus,
    SealedNotice,
    SealStatus,
)
from certificates.services import copy_channel, verify_url
from certificates.validity import CertificateVerdict, certificate_verdict
from lib import wakeup

_RELATED = ("registration__person", "registration__created_by_case__department")


def _holder(user: User, prefix: str) -> dict[str, Any] | None:
    """The filter that finds the account's own certificates: only a person whose identity the
    real-name source confirmed holds any, found by (证件类型, 证件号码) together."""
    identity = verified_identity(user)
    return identity.person_filter(prefix) if identity is not None else None


def certificates_for_user(*, user: User) -> QuerySet[Certificate]:
    """The holder's certificates, the current one first, then newest first."""
    holder = _holder(user, "registration__person__")
    if holder is None:
        return Certificate.objects.none()
    current_first = DbCase(
        When(status=CertificateStatus.CURRENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Certificate.objects.filter(**holder)
        .select_related(*_RELATED)
        .order_by(current_first, "-issued_at", "-id")
    )


def certificate_get_for_user(*, user: User, pk: int) -> Certificate:
    try:
        return certificates_for_user(user=user).get(pk=pk)
    except Certificate.DoesNotExist:
        raise Http404("没有这个证书") from None


def certificate_for_case(*, user: User, case_pk: int) -> Certificate | None:
    """The certificate the 公示附件 window of the applicant's own case shows: the holder's
    latest (current first) once the case is 办结（准予许可）, else None. Not their case: 404."""
    case = case_get_for_applicant(user=user, pk=case_pk)
    if case.status != CaseStatus.APPROVED:
        return None
    return certificates_for_user(user=user).first()


def _holder_account_id(certificate: Certificate) -> int | None:
    person = certificate.registration.person
    account = account_of_identity(id_type=person.id_type, id_number=person.id_number)
    return account.pk if account is not None else None


def certificate_named(*, cert_pk: int) -> tuple[Certificate | None, str, int | None]:
    """The certificate a refused request asked for, and whose it is: read without scope for
    the audit trail only (nothing of it is served)."""
    found = Certificate.objects.select_related("registration__person").filter(pk=cert_pk).first()
    if found is None:
        return None, "", None
    return found, found.registration.number, _holder_account_id(found)


def copy_named(*, pk: int) -> tuple[CertificateCopy | None, str, int | None]:
    """The certificate file a refused request asked for (see `certificate_named`)."""
    found = CertificateCopy.objects.select_related("certificate__registration__person").filter(pk=pk).first()
    if found is None:
        return None, "", None
    return found, found.certificate.registration.number, _holder_account_id(found.certificate)


def copies_for_certificate(*, certificate: Certificate) -> QuerySet[CertificateCopy]:
    return certificate.copies.select_related("certificate__registration").order_by("-requested_at", "-id")


def copy_get_for_user(*, user: User, pk: int) -> CertificateCopy:
    holder = _holder(user, "certificate__registration__person__")
    try:
        if holder is None:
            raise CertificateCopy.DoesNotExist
        return CertificateCopy.objects.select_related(*(f"certificate__{r}" for r in _RELATED)).get(
            pk=pk, **holder
        )
    except CertificateCopy.DoesNotExist:
        raise Http404("没有这个证书文件") from None


# The longest a status request waits for its copy to change (`copy_await`). The web workers
# are synchronous (gunicorn.conf.py): a request waiting holds one, so the wait is short; the
# page asks again at once (docs/operations.md, ADR 0037).
COPY_AWAIT_MAX_SECONDS = 2.0
# While waiting, the copy is read again at least this often: the safety net for a lost wake-up.
COPY_AWAIT_RECHECK_SECONDS = 0.5


def copy_await(*, user: User, pk: int, seconds: float) -> CertificateCopy:
    """The holder's copy, once it is no longer 加注中 or after `seconds` (at most
    COPY_AWAIT_MAX_SECONDS), whichever comes first: woken by the worker's status change."""
    copy = copy_get_for_user(user=user, pk=pk)
    seconds = min(max(seconds, 0.0), COPY_AWAIT_MAX_SECONDS)
    if copy.status != CopyStatus.PENDING or seconds == 0:
        return copy
    deadline = time.monotonic() + seconds
    with wakeup.listen(copy_channel(pk)) as listener:
        # Listening from here on: a change committed before this read is seen by it, a change
        # after it wakes the listener.
        copy.refresh_from_db(fields=["status", "error", "file"])
        while copy.status == CopyStatus.PENDING:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            listener.wait(min(remaining, COPY_AWAIT_RECHECK_SECONDS))
            copy.refresh_from_db(fields=["status", "error", "file"])
    return copy


def logs_for_user(*, user: User) -> QuerySet[CertificateLog]:
    """Every issue, 加注 and download of the holder's certificates, newest first."""
    holder = _holder(user, "certificate__registration__person__")
    if holder is None:
        return CertificateLog.objects.none()
    return CertificateLog.objects.filter(**holder).select_related("certificate", "copy")


def copy_by_token(*, token: uuid.UUID) -> CertificateCopy:
    """Public: the copy whose QR code was scanned. A copy never made has no file to scan.
    The specialties come prefetched: the page lists them and the verdict reads them
    (`Registration.status_on`) from the same rows, so the page costs two queries."""
    try:
        return (
            CertificateCopy.objects.select_related(*(f"certificate__{r}" for r in _RELATED))
            .prefetch_related("certificate__registration__specialties")
            .get(token=token, status=CopyStatus.READY)
        )
    except CertificateCopy.DoesNotExist:
        raise Http404("未找到该证书") from None


def latest_ready_copy(*, certificate: Certificate) -> CertificateCopy | None:
    return certificate.copies.filter(status=CopyStatus.READY).order_by("-ready_at", "-id").first()


# --- what the public verification page says ------------------------------------------------


_NOTES = {
    CertificateVerdict.CANCELLED: "该注册已注销，此证书不再有效。",
    CertificateVerdict.REVOKED: "该注册已被注册机关依法撤销，此证书不再有效。",
    CertificateVerdict.LAPSED: "该注册已失效，此证书不再有效。",
    CertificateVerdict.VOID: "此证书已作废{reason}，不再有效，请向持证人索取最新证书。",
    CertificateVerdict.SUPERSEDED: "注册信息已变更并换发了新证书，此证书不再有效，请向持证人索取最新证书。",
    CertificateVerdict.EXPIRED: "此证书文件已超过使用有效期，不能再作为有效证书使用；"
    "持证人可登录辽宁政务服务网重新“加注”获取新的证书文件。",
    CertificateVerdict.VALID: "注册信息库中该注册有效，此证书文件在使用有效期内。"
    "请核对下列信息与证书是否一致。",
}


@dataclass(frozen=True)
class Verdict:
    """The verdict as the public page words it."""

    code: CertificateVerdict
    note: str

    @property
    def label(self) -> str:
        return str(self.code.label)

    @property
    def ok(self) -> bool:
        return self.code.is_valid


# Asked by 电子证照标识 there is no copy, hence no 使用有效期: EXPIRED then means that a copy made
# today would be out of date at once (`certificate_verdict` without a copy).
_CERTIFICATE_NOTES = {
    **_NOTES,
    CertificateVerdict.EXPIRED: "该证书的注册有效期今日届满，不能再作为有效证书使用。",
    CertificateVerdict.VALID: "注册信息库中该注册有效，此证书为现行有效版本。请核对下列信息与证书是否一致。",
}


def _worded(
    certificate: Certificate, code: CertificateVerdict, notes: dict[CertificateVerdict, str]
) -> Verdict:
    reason = f"（{certificate.revoke_reason}）" if certificate.revoke_reason else ""
    return Verdict(code, notes[code].format(reason=reason))


def copy_verdict(*, copy: CertificateCopy, today: date) -> Verdict:
    """The live status of a copy (`certificates.validity`), with what the public is told."""
    certificate = copy.certificate
    return _worded(certificate, certificate_verdict(certificate=certificate, today=today, copy=copy), _NOTES)


def certificate_public_verdict(*, certificate: Certificate, today: date) -> Verdict:
    """The live status of a certificate asked for by its 电子证照标识 (the open API), worded
    for the public as `copy_verdict` is."""
    code = certificate_verdict(certificate=certificate, today=today)
    return _worded(certificate, code, _CERTIFICATE_NOTES)


def certificate_by_license_id(*, license_id: str) -> Certificate:
    """Public: the certificate a 电子证照标识 names (any version: a superseded or void one is
    answered as such). The specialties come prefetched, as for `copy_by_token`."""
    try:
        return (
            Certificate.objects.select_related(*_RELATED)
            .prefetch_related("registration__specialties")
            .get(license_id=license_id)
        )
    except Certificate.DoesNotExist:
        raise Http404("未找到该证书") from None


def copy_for_sealed_file(*, content: bytes) -> CertificateCopy | None:
    """The copy an uploaded OFD file is, by the 电子证照标识 and the verification address in
    its attached certificate.json. Call only after the seal verified: then the record is ours."""
    record = _attached_record(content)
    if record is None:
        return None
    license_id, address = record.get("license_id"), record.get("verify_url")
    if not isinstance(license_id, str) or not isinstance(address, str):
        return None
    try:
        match = resolve(urlsplit(address).path)
    except Resolver404:
        return None
    if match.view_name != "certificates:verify":
        return None
    try:
        copy = copy_by_token(token=match.kwargs["token"])
    except Http404:
        return None
    return copy if copy.certificate.license_id == license_id else None


def copy_recorded_address(*, copy: CertificateCopy) -> str | None:
    """The verification address a stored copy carries (its QR code and certificate.json), or
    None when its file cannot be read as one of ours."""
    try:
        with copy.file.open("rb") as f:
            record = _attached_record(f.read())
    except (OSError, ValueError):
        return None
    address = record.get("verify_url") if record else None
    return address if isinstance(address, str) else None


def _attached_record(content: bytes, name: str = "certificate.json") -> dict[str, Any] | None:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            raw = archive.read(f"Doc_0/Attachments/{name}")
        record = json.loads(raw.decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) else None


# --- the certificate in the browser --------------------------------------------------------


def certificate_display_data(*, certificate: Certificate) -> tuple[CertificateData, CertificateCopy | None]:
    """What the browser preview and the PDF copy show: the latest ready 加注 copy, as its OFD
    shows it; without one, the certificate itself (no 使用有效期), its QR code leading to the
    public verification page, where a file can be checked."""
    copy = latest_ready_copy(certificate=certificate)
    if copy is not None:
        return certificate_data(copy=copy, verify_url=verify_url(copy)), copy
    # An unsaved stand-in: certificate_data reads the certificate through a copy. pk=0 counts
    # no earlier copies; the 使用有效期 and copy number are cleared below.
    stand_in = CertificateCopy(pk=0, certificate=certificate, usage_valid_until=certificate.issued_on)
    data = certificate_data(
        copy=stand_in, verify_url=settings.SITE_URL + reverse("certificates:verify_upload")
    )
    return replace(data, usage_valid_until=None, copy_serial=""), None


# --- sealed notices (ADR 0033) ---------------------------------------------------------------

_NOTICE_RELATED = ("notice__case__department", "notice__case__matter", "notice__case__item")


def sealed_notice_get_for_user(*, user: User, case_pk: int, notice_pk: int) -> SealedNotice:
    """The sealed notice of a notice the user may read (the applicant, the department's staff:
    `cases.selectors.notice_get_for_user`); 404 for anyone else, and while it is not sealed."""
    notice = notice_get_for_user(user=user, case_pk=case_pk, pk=notice_pk)
    sealed = SealedNotice.objects.select_related(*_NOTICE_RELATED).filter(notice=notice).first()
    if sealed is None or sealed.status != SealStatus.READY or not sealed.file:
        raise Http404("该文书尚未加盖电子印章")
    return sealed


def sealed_notice_by_token(*, token: uuid.UUID) -> SealedNotice:
    """Public: the sealed notice whose QR code was scanned (made ones only)."""
    try:
        return SealedNotice.objects.select_related(*_NOTICE_RELATED, "notice__case__applicant").get(
            token=token, status=SealStatus.READY
        )
    except SealedNotice.DoesNotExist:
        raise Http404("未找到该文书") from None


def sealed_notice_for_file(*, content: bytes) -> SealedNotice | None:
    """The sealed notice an uploaded OFD file is, by the 文书编号 and the check address in its
    attached notice.json. Call only after the seal verified: then the record is ours."""
    record = _attached_record(content, "notice.json")
    if record is None:
        return None
    number, address = record.get("number"), record.get("verify_url")
    if not isinstance(number, str) or not isinstance(address, str):
        return None
    try:
        match = resolve(urlsplit(address).path)
    except Resolver404:
        return None
    if match.view_name != "certificates:notice_verify":
        return None
    try:
        sealed = sealed_notice_by_token(token=match.kwargs["token"])
    except Http404:
        return None
    return sealed if sealed.notice.number == number else None
