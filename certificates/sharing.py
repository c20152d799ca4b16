"""What the national / provincial 电子证照库 receives about certificates: a record when a
version is issued, and one when a version is superseded or revoked, written by
`certificates.services` in the transaction of the change, in the shapes of
`exchange.contracts` (docs/exchange.md 「电子证照库」).

The library finds a person's licences by 持证主体代码 (the ID number) — that is what spares
the holder from presenting the certificate again elsewhere — so an issued record carries it in
full; it is the only field with personal data beyond the name, and the outbox keeps it
encrypted. A status change carries no personal data at all."""

from __future__ import annotations

from django.utils import timezone

from catalog.specialties import specialty_name
from certificates.document import TITLE
from certificates.models import Certificate, CertificateSettings, CertificateStatus
from certificates.validity import certificate_validity_period
from exchange.contracts import (
    Channel,
    LicenceEvent,
    LicenceHolder,
    LicenceIssued,
    LicenceSpecialty,
    LicenceStatus,
    LicenceStatusChanged,
    Organisation,
)
from exchange.services import outbound_enqueue

# Our status, in the library's words.
LICENCE_STATUS = {
    CertificateStatus.CURRENT: LicenceStatus.VALID,
    CertificateStatus.SUPERSEDED: LicenceStatus.SUPERSEDED,
    CertificateStatus.REVOKED: LicenceStatus.REVOKED,
}
LICENCE_EVENT = {
    CertificateStatus.SUPERSEDED: LicenceEvent.SUPERSEDED,
    CertificateStatus.REVOKED: LicenceEvent.REVOKED,
}


def licence_issued(*, certificate: Certificate, replaces: Certificate | None) -> LicenceIssued:
    registration = certificate.registration
    person = registration.person
    department = registration.created_by_case.department
    valid_from, valid_until = certificate_validity_period(certificate=certificate)
    return LicenceIssued(
        license_id=certificate.license_id,
        license_type_code=CertificateSettings.current().type_code,
        license_name=TITLE,
        license_number=registration.number,
        version=certificate.version,
        replaces=replaces.license_id if replaces is not None else "",
        status=LICENCE_STATUS[CertificateStatus(certificate.status)].value,
        issued_on=certificate.issued_on.isoformat(),
        valid_from=valid_from.isoformat(),
        valid_until=valid_until.isoformat(),
        issuer=Organisation(name=department.name, uscc=department.uscc),
        holder=LicenceHolder(name=person.name, id_type=person.id_type, id_number=person.id_number),
        employer=Organisation(name=registration.employer_name, uscc=registration.employer_uscc),
        specialties=[
            LicenceSpecialty(
                code=s.specialty,
                name=specialty_name(s.specialty),
                valid_from=s.valid_from.isoformat(),
                valid_to=s.valid_to.isoformat(),
            )
            for s in registration.specialties.all()
        ],
    )


def licence_issued_enqueue(*, certificate: Certificate, replaces: Certificate | None) -> None:
    """Queue the record of a new version, in the caller's (the issuing) transaction."""
    outbound_enqueue(
        channel=Channel.LICENCE,
        event=LicenceEvent.ISSUED,
        subject=certificate.license_id,
        payload=licence_issued(certificate=certificate, replaces=replaces),
        occurred_at=certificate.issued_at,
    )


def licence_status_enqueue(*, certificate: Certificate, reason: str) -> None:
    """Queue the record of a version superseded or revoked, in the transaction that moved it."""
    status = CertificateStatus(certificate.status)
    changed_at = certificate.revoked_at or timezone.now()
    outbound_enqueue(
        channel=Channel.LICENCE,
        event=LICENCE_EVENT[status],
        subject=certificate.license_id,
        payload=LicenceStatusChanged(
            license_id=certificate.license_id,
            status=LICENCE_STATUS[status].value,
            changed_at=timezone.localtime(changed_at).isoformat(),
            reason=reason[:200],
        ),
        occurred_at=changed_at,
    )
