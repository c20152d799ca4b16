"""Writes for certificates.

- `certificate_issue` runs inside the approval transaction: a new version (电子证照标识 with a
  higher version) for the registration; the previous one becomes 已被新证书替代. Each change
  queues its record for the 电子证照库 in that transaction (`certificates/sharing.py`).
- `certificate_copy_request` is the 「加注」 button: it records a copy 加注中 and enqueues its
  making; `certificate_copy_make` (the task) draws, seals and stores the OFD in the worker,
  never in a request that holds locks."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from cases.counters import counter_next
from cases.models import Case
from cases.types import REGISTRATION_TYPES
from catalog.registration_types import PROCEEDING_CERTIFICATE_ACTIONS, CertificateAction
from certificates.issuing import certificate_data, sealed_facts, sealed_ofd
from certificates.models import (
    Certificate,
    CertificateCopy,
    CertificateLog,
    CertificateSettings,
    CertificateStatus,
    CopyAction,
    CopyStatus,
    LogAction,
)
from certificates.sharing import licence_issued_enqueue, licence_status_enqueue
from certificates.tasks import make_certificate_copy
from certificates.transitions import certificate_transition_find, copy_transition_find
from certificates.validity import CertificateVerdict, certificate_verdict, usage_valid_until
from lib.errors import ApplicationError
from lib.licenseid import license_id_build
from lib.metrics import certificate_copy_timer
from lib.storage import file_save
from lib.taskqueue import enqueue, stale_requeue
from lib.wakeup import wake_send
from registry.answers import registration_answers_replace
from registry.models import Registration, RegistrationChange

logger = logging.getLogger(__name__)

# A copy is made in about a second; one claimed by a worker that died is handed out again
# settings.COPY_STALE_SECONDS after its claim (run_periodic). Each claim is an attempt.
COPY_MAX_ATTEMPTS = 3


def certificate_transition(*, certificate: Certificate, action: LogAction, reason: str) -> None:
    """Move `certificate` by `action` if the table in `certificates/transitions.py` allows it,
    and log it with `reason`, which a revoked certificate also keeps as its 废止原因. The only
    writer of `Certificate.status`; runs in the caller's transaction, which holds the row lock."""
    assert transaction.get_connection().in_atomic_block, "certificate_transition runs inside a transaction"
    transition = certificate_transition_find(status=certificate.status, action=action)
    if transition is None:
        label = CertificateStatus(certificate.status).label
        raise ApplicationError(f"该证书当前状态为“{label}”，不能{action.label}")
    certificate.status = transition.target
    certificate.revoked_at = timezone.now()
    if transition.target == CertificateStatus.REVOKED:
        certificate.revoke_reason = reason[:200]
    certificate.save(update_fields=["status", "revoked_at", "revoke_reason"])
    CertificateLog.objects.create(certificate=certificate, action=action, detail=reason[:200])
    registration_answers_replace(registration_id=certificate.registration_id)
    # The 电子证照库 hears of it in this transaction.
    licence_status_enqueue(certificate=certificate, reason=reason)


def copy_channel(pk: int) -> str:
    """The wake-up channel (lib/wakeup.py) on which a copy's status changes are announced."""
    return f"copy_{pk}"


def copy_transition(*, copy: CertificateCopy, action: CopyAction, also: Sequence[str] = ()) -> None:
    """Move `copy` by `action` if the table in `certificates/transitions.py` allows it, saving
    the fields named in `also` with the status. The only writer of `CertificateCopy.status`.
    The worker calls it outside a transaction: the copy is its own by the atomic claim."""
    transition = copy_transition_find(status=copy.status, action=action)
    if transition is None:
        raise ApplicationError(f"该加注件当前状态为“{CopyStatus(copy.status).label}”，不能{action.label}")
    copy.status = transition.target
    copy.save(update_fields=["status", *also])
    # The page waiting on this copy (selectors.copy_await) learns of it at the commit.
    wake_send(copy_channel(copy.pk))
    # No kept answer changes: only a made (READY) copy is answered, READY is final, and a new
    # copy has a token of its own (ADR 0030).


def _issuer_uscc(registration: Registration) -> str:
    return registration.created_by_case.department.uscc or "000000000000000000"


def certificate_issue(
    *, registration: Registration, case: Case | None, revoke_reason: str = ""
) -> Certificate:
    """A new certificate version for `registration`. The current one becomes 已被新证书替代,
    or, given a `revoke_reason` (a lost certificate replaced), 已作废."""
    config = CertificateSettings.current()
    with transaction.atomic():
        previous = (
            Certificate.objects.select_for_update()
            .filter(registration=registration, status=CertificateStatus.CURRENT)
            .first()
        )
        if previous is not None:
            if revoke_reason:
                certificate_transition(certificate=previous, action=LogAction.REVOKE, reason=revoke_reason)
            else:
                certificate_transition(certificate=previous, action=LogAction.SUPERSEDE, reason="换发新版本")
            serial, version = previous.serial, previous.version + 1
        else:
            serial, version = f"{counter_next(key='certificate-serial'):08d}", 1
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
        licence_issued_enqueue(certificate=certificate, replaces=previous)
        return certificate


def certificate_revoke(*, registration: Registration, reason: str) -> None:
    """The registration ended: its certificate and every copy stop being valid."""
    with transaction.atomic():
        for certificate in Certificate.objects.select_for_update().filter(
            registration=registration, status=CertificateStatus.CURRENT
        ):
            certificate_transition(certificate=certificate, action=LogAction.REVOKE, reason=reason)


# The register ended the registration: the certificate goes with it, for this reason.
_REGISTER_ENDED = {CertificateAction.CANCEL: "注册已注销", CertificateAction.REVOKE: "注册已撤销"}


def certificate_follow_register(*, change: RegistrationChange) -> Certificate | None:
    """The certificate after a granted case changed the register, as its type's
    `certificate_action` says (`cases.types.REGISTRATION_TYPES`): a cancellation revokes it; a
    reissue replaces it (the lost one is revoked); a new version makes the previous one
    已被新证书替代. Runs in the approval transaction."""
    registration, case = change.registration, change.case
    number = case.number if case else ""
    app_type = REGISTRATION_TYPES.by_history_kind(change.kind)
    if app_type is not None:
        action = app_type.certificate_action
    else:
        # The authority's own acts (ADR 27) leave history rows no application type leaves.
        action = PROCEEDING_CERTIFICATE_ACTIONS.get(change.kind, CertificateAction.NONE)
    if action in _REGISTER_ENDED:
        certificate_revoke(registration=registration, reason=f"{_REGISTER_ENDED[action]}，办件编号{number}")
        return None
    if action == CertificateAction.REISSUE:
        return certificate_issue(
            registration=registration,
            case=case,
            revoke_reason=f"证书遗失补办，办件编号{number}",
        )
    if action == CertificateAction.NONE:
        return Certificate.objects.filter(registration=registration, status=CertificateStatus.CURRENT).first()
    return certificate_issue(registration=registration, case=case)


# What 「加注」 says for each verdict but valid.
ANNOTATE_REFUSALS = {
    CertificateVerdict.CANCELLED: "该注册已注销，不能加注",
    CertificateVerdict.REVOKED: "该注册已被撤销，不能加注",
    CertificateVerdict.LAPSED: "该注册已失效，不能加注",
    CertificateVerdict.VOID: "该证书已作废，请对最新证书加注",
    CertificateVerdict.SUPERSEDED: "该证书已被新证书替代，请对最新证书加注",
    CertificateVerdict.EXPIRED: "注册专业已过有效期或已达到年龄上限，不能加注",
}


def annotate_refusal(
    *, certificate: Certificate, today: date, policy: CertificateSettings | None = None
) -> str | None:
    """Why 加注 is refused now, in Chinese, or None."""
    return ANNOTATE_REFUSALS.get(certificate_verdict(certificate=certificate, today=today, policy=policy))


def certificate_copy_request(*, certificate: Certificate, user: User) -> CertificateCopy:
    """「加注」: record a copy 加注中 and enqueue its making (in this transaction)."""
    today = timezone.localdate()
    with transaction.atomic():
        # The specialties and the rules are read once: the verdict, the 使用有效期 and the
        # daily limit all ask for them (the click's latency, ISSUE 14).
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("registration__person")
            .prefetch_related("registration__specialties")
            .get(pk=certificate.pk)
        )
        policy = CertificateSettings.current()
        if refusal := annotate_refusal(certificate=certificate, today=today, policy=policy):
            raise ApplicationError(refusal)
        pending = certificate.copies.filter(status=CopyStatus.PENDING).first()
        if pending is not None:
            # A double click, or a second tab: the copy being made is the answer.
            return pending
        start_of_day = timezone.make_aware(datetime.combine(today, datetime.min.time()))
        made_today = certificate.copies.filter(requested_at__gte=start_of_day).count()
        limit = policy.copies_per_day
        if made_today >= limit:
            raise ApplicationError(f"每天最多加注{limit}次，请明天再试；已生成的证书在使用有效期内仍可使用")
        copy = CertificateCopy.objects.create(
            certificate=certificate,
            usage_valid_until=usage_valid_until(certificate=certificate, today=today, policy=policy),
            requested_by=user,
        )
        CertificateLog.objects.create(
            certificate=certificate, copy=copy, user=user, action=LogAction.ANNOTATE
        )
        enqueue(make_certificate_copy, copy_id=copy.pk, wake=True)
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
            # With CERT_TSA set, a time-stamping service that cannot stamp fails the attempt
            # here, before anything is stored: no copy is issued without its stamp.
            content = sealed_ofd(certificate_data(copy=copy, verify_url=verify_url(copy)), when=now)
            facts = sealed_facts(content)
        # A full disk or an unreachable store fails this attempt like any other error, with
        # nothing left behind in storage (lib/storage.py).
        name = file_save(f"certificates/{copy.token.hex}.ofd", content)
    except Exception as e:
        logger.exception("certificate copy %s failed", copy_id)
        copy.error = str(getattr(e, "message", e))[:300]
        if copy.attempts >= COPY_MAX_ATTEMPTS:
            copy_transition(copy=copy, action=CopyAction.FAIL, also=["error"])
        else:
            # Still 加注中: unclaimed, so the stale-copy sweep hands it out again.
            copy.claimed_at = None
            copy.save(update_fields=["claimed_at", "error"])
        return
    copy.file.name = name
    copy.sha256 = hashlib.sha256(content).hexdigest()
    copy.ready_at = timezone.now()
    copy.error = ""
    copy.signer_serial = facts.signer_serial
    copy.stamped_at = facts.stamped_at
    copy_transition(
        copy=copy,
        action=CopyAction.COMPLETE,
        also=["file", "sha256", "ready_at", "error", "signer_serial", "stamped_at"],
    )


def certificate_copies_requeue_stale(*, now: datetime | None = None) -> int:
    """Copies left 加注中 by a worker that died (or whose task was lost) get a new task; one
    that has used up its attempts (a worker died on it each time) fails instead. A copy still
    waiting for its task (workers busy) is left alone: a task per round would pile up."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.COPY_STALE_SECONDS)

    def fail(copy: CertificateCopy) -> None:
        copy.error = copy.error or "加注未能完成，请重新加注"
        copy_transition(copy=copy, action=CopyAction.FAIL, also=["error"])
        logger.warning("certificate copy %s failed: attempts used up", copy.pk)

    with transaction.atomic():
        stale = CertificateCopy.objects.select_for_update(skip_locked=True).filter(
            status=CopyStatus.PENDING, requested_at__lt=cutoff
        )
        # Someone is waiting on the page for each of them: the workers are woken at once.
        return stale_requeue(
            stale,
            cutoff=cutoff,
            max_attempts=COPY_MAX_ATTEMPTS,
            fail=fail,
            task=make_certificate_copy,
            key="copy_id",
            wake=True,
        )


def certificate_download_log(
    *, copy: CertificateCopy, user: User | None, request: HttpRequest | None = None
) -> None:
    """A download of a 加注 copy: in the holder's 下载记录 and on the audit trail, together."""
    with transaction.atomic():
        CertificateLog.objects.create(
            certificate=copy.certificate, copy=copy, user=user, action=LogAction.DOWNLOAD
        )
        audit_record(
            action=AuditAction.CERTIFICATE_DOWNLOAD,
            request=request,
            actor=user,
            obj=copy,
            label=f"注册编号 {copy.certificate.registration.number}",
            # Only the holder's own account reaches a copy (certificates.selectors).
            subject_id=user.pk if user is not None else None,
        )
