"""The allowed status changes of a certificate version and of a 加注 copy, as data.

`certificates.services.certificate_transition` and `copy_transition` are the only code that
writes these statuses, and they refuse any change not in these tables. A certificate's
change is logged with its `LogAction`, which is also the transition's action."""

from __future__ import annotations

from dataclasses import dataclass

from certificates.models import CertificateStatus, CopyAction, CopyStatus, LogAction, SealAction, SealStatus


@dataclass(frozen=True)
class CertificateTransition:
    source: CertificateStatus
    action: LogAction
    target: CertificateStatus


@dataclass(frozen=True)
class CopyTransition:
    source: CopyStatus
    action: CopyAction
    target: CopyStatus


CERTIFICATE_TRANSITIONS: tuple[CertificateTransition, ...] = (
    # A new version for a change of the register: the current one is replaced.
    CertificateTransition(CertificateStatus.CURRENT, LogAction.SUPERSEDE, CertificateStatus.SUPERSEDED),
    # The registration cancelled, or the certificate lost and reissued.
    CertificateTransition(CertificateStatus.CURRENT, LogAction.REVOKE, CertificateStatus.REVOKED),
)

COPY_TRANSITIONS: tuple[CopyTransition, ...] = (
    # The worker drew, sealed and stored the file.
    CopyTransition(CopyStatus.PENDING, CopyAction.COMPLETE, CopyStatus.READY),
    # The last allowed attempt failed too.
    CopyTransition(CopyStatus.PENDING, CopyAction.FAIL, CopyStatus.FAILED),
)


@dataclass(frozen=True)
class SealTransition:
    source: SealStatus
    action: SealAction
    target: SealStatus


SEAL_TRANSITIONS: tuple[SealTransition, ...] = (
    # The worker drew, sealed and stored a notice's OFD.
    SealTransition(SealStatus.PENDING, SealAction.COMPLETE, SealStatus.READY),
    # The last allowed attempt failed too.
    SealTransition(SealStatus.PENDING, SealAction.FAIL, SealStatus.FAILED),
)

_CERTIFICATE_BY_KEY = {(t.source, t.action): t for t in CERTIFICATE_TRANSITIONS}
_COPY_BY_KEY = {(t.source, t.action): t for t in COPY_TRANSITIONS}


def certificate_transition_find(*, status: str, action: LogAction) -> CertificateTransition | None:
    return _CERTIFICATE_BY_KEY.get((CertificateStatus(status), action))


def copy_transition_find(*, status: str, action: CopyAction) -> CopyTransition | None:
    return _COPY_BY_KEY.get((CopyStatus(status), action))


_SEAL_BY_KEY = {(t.source, t.action): t for t in SEAL_TRANSITIONS}


def seal_transition_find(*, status: str, action: SealAction) -> SealTransition | None:
    return _SEAL_BY_KEY.get((SealStatus(status), action))
