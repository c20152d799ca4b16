"""The answers, built from the domain's own selectors and rules (the verification page's
verdict, the register query's entry), so that the API and the pages never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from cases.models import Case, CaseAction, CaseStatus
from cases.selectors import case_timeline
from certificates.models import Certificate, CertificateCopy
from certificates.selectors import Verdict, certificate_public_verdict, copy_verdict
from certificates.validity import certificate_verdict, verdict_since
from certificates.verify import Verification
from lib.masking import mask_name
from registry.models import RegisteredSpecialty
from registry.selectors import RegisterEntry

CERTIFICATE_TITLE = "中华人民共和国二级建造师注册证书"


def _specialties(specialties: Iterable[RegisteredSpecialty]) -> list[dict[str, object]]:
    return [
        {
            "specialty": s.specialty,
            "specialty_label": s.get_specialty_display(),
            "valid_from": s.valid_from,
            "valid_to": s.valid_to,
        }
        for s in specialties
    ]


def _certificate(
    certificate: Certificate, verdict: Verdict, *, usage_valid_until: date | None
) -> dict[str, object]:
    registration = certificate.registration
    since = verdict_since(certificate=certificate, verdict=verdict.code)
    return {
        "verdict": verdict.code,
        "verdict_label": verdict.label,
        "verdict_note": verdict.note,
        "valid": verdict.ok,
        "title": CERTIFICATE_TITLE,
        "holder_name": mask_name(registration.person.name),
        "registration_number": registration.number,
        "specialties": _specialties(registration.specialties.all()),
        "employer_name": registration.employer_name,
        "authority": registration.created_by_case.department.name,
        "issued_on": certificate.issued_on,
        "license_id": certificate.license_id,
        "usage_valid_until": usage_valid_until,
        # The page shows the date only with the verdict it explains.
        "revoked_on": timezone.localdate(since) if since is not None else None,
        "checked_at": timezone.now(),
    }


def copy_record(copy: CertificateCopy) -> dict[str, object]:
    """A 加注 copy (by its QR code's token, or an uploaded file) as the verification page shows it."""
    verdict = copy_verdict(copy=copy, today=timezone.localdate())
    return _certificate(copy.certificate, verdict, usage_valid_until=copy.usage_valid_until)


def certificate_record(certificate: Certificate) -> dict[str, object]:
    """A certificate asked for by its 电子证照标识."""
    verdict = certificate_public_verdict(certificate=certificate, today=timezone.localdate())
    return _certificate(certificate, verdict, usage_valid_until=None)


def seal_check(result: Verification, copy: CertificateCopy | None) -> dict[str, object]:
    return {
        "seal_valid": result.ok,
        "problems": result.problems,
        "notes": result.notes,
        "seal_name": result.seal_name,
        "signer_subject": result.signer_subject,
        "signed_at": result.signed_at,
        "found": copy is not None,
        "certificate": copy_record(copy) if copy is not None else None,
    }


def register_record(entry: RegisterEntry) -> dict[str, object]:
    registration = entry.registration
    return {
        "holder_name": mask_name(registration.person.name),
        "registration_number": registration.number,
        "status": entry.status,
        "status_label": entry.status_label,
        "employer_name": registration.employer_name,
        "specialties": _specialties(s.specialty for s in entry.specialties),
        "issued_on": registration.issued_on,
    }


def case_summary(case: Case) -> dict[str, object]:
    return {
        "number": case.number or "",
        "item": case.item.name,
        "status": case.status,
        "status_label": case.get_status_display(),
        "submitted_at": case.submitted_at,
        "updated_at": case.updated_at,
    }


def case_detail(case: Case) -> dict[str, object]:
    return {
        **case_summary(case),
        "department": case.department.name,
        "accept_due": case.accept_due,
        "decision_due": case.decision_due,
        "decided_at": case.decided_at,
        "events": [
            {
                "action": event.action,
                "action_label": CaseAction(event.action).label,
                "status": event.to_status,
                "status_label": CaseStatus(event.to_status).label,
                "at": event.created_at,
            }
            for event in case_timeline(case)
        ],
    }


def my_certificate(certificate: Certificate) -> dict[str, object]:
    registration = certificate.registration
    verdict = certificate_verdict(certificate=certificate, today=timezone.localdate())
    return {
        "license_id": certificate.license_id,
        "registration_number": registration.number,
        "status": certificate.status,
        "status_label": certificate.get_status_display(),
        "verdict": verdict,
        "verdict_label": verdict.label,
        "issued_on": certificate.issued_on,
        "employer_name": registration.employer_name,
        "specialties": _specialties(registration.specialties.all()),
    }
