"""The builders write what the approval writes: a registration built directly
(`registry.tests.builders`) has the rows of one taken through 受理, 审查 and 准予许可
(`registry.tests.helpers`), so tests may use either."""

from __future__ import annotations

from typing import Any

from cases.models import CaseStatus
from cases.tests.helpers import submitted_case
from catalog.registration_types import RegistrationType
from certificates.models import Certificate, CertificateStatus
from portal.test import BaseTestCase
from registry.models import Registration, RegistrationStatus
from registry.tests.builders import case_granted, registration_granted
from registry.tests.helpers import granted_case_of, registered


def register_rows(registration: Registration) -> dict[str, Any]:
    """What the register and the certificates hold for a registration, without its own
    numbers and keys."""
    case = registration.created_by_case
    return {
        "status": registration.status,
        "employer": (registration.employer_name, registration.employer_uscc),
        "qualification": (registration.qualification_number, registration.qualification_year),
        "dates": (registration.first_registered_on, registration.issued_on),
        "specialties": sorted(registration.specialties.values_list("specialty", "valid_from", "valid_to")),
        "changes": [
            (c.kind, c.case_id == case.pk, c.summary.replace(registration.number, "№"))
            for c in registration.changes.order_by("pk")
        ],
        "certificates": [
            (c.version, c.status, c.case_id == case.pk)
            for c in Certificate.objects.filter(registration=registration).order_by("version")
        ],
        "case": (case.status, case.number is not None, list(case.events.values_list("action", "to_status"))),
        "approval": sorted(case.events.get(action="approve").data),
    }


class BuildersTestCase(BaseTestCase):
    def test_a_built_registration_has_the_rows_of_a_granted_one(self):
        specialties = ("10401001", "10401002")
        built = registration_granted(self, specialties=specialties)
        walked = registered(self, applicant=self.other_applicant, specialties=specialties)
        self.assertEqual(built.status, RegistrationStatus.VALID)
        self.assertEqual(built.created_by_case.status, CaseStatus.APPROVED)
        self.assertEqual(built.person.id_number, self.applicant.id_number)
        rows = register_rows(built)
        # The cases differ by their numbers and people, by nothing else.
        self.assertEqual(rows, register_rows(walked))
        self.assertEqual(rows["certificates"], [(1, CertificateStatus.CURRENT, True)])

    def test_a_built_cancellation_has_the_rows_of_a_granted_one(self):
        built, walked = (
            registration_granted(self),
            registered(self, applicant=self.other_applicant),
        )
        case_granted(self, RegistrationType.CANCEL)
        granted_case_of(self, RegistrationType.CANCEL, applicant=self.other_applicant)
        built.refresh_from_db()
        walked.refresh_from_db()
        self.assertEqual(built.status, RegistrationStatus.CANCELLED)
        self.assertEqual(register_rows(built)["changes"], register_rows(walked)["changes"])
        self.assertEqual(
            [s for _, s, _ in register_rows(built)["certificates"]],
            [s for _, s, _ in register_rows(walked)["certificates"]],
        )

    def test_a_built_case_holds_its_materials_when_asked(self):
        walked = submitted_case(self, applicant=self.other_applicant)
        built = case_granted(self, RegistrationType.INITIAL, files=True)
        self.assertEqual(
            sorted(built.attachments.values_list("material_code", "content_type")),
            sorted(walked.attachments.values_list("material_code", "content_type")),
        )
        self.assertEqual(case_granted(self, RegistrationType.ADDITION).attachments.count(), 0)
