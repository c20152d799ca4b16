"""The certificate follows the register: every granted change issues a new version (the old one
已被新证书替代), a cancellation revokes it, a reissue voids the lost one; and the public
verification verdict of a copy made before says so."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cases.tests.helpers import form_data_of, submitted_case_of
from catalog.registration_types import RegistrationType
from certificates.models import Certificate, CertificateCopy, CertificateStatus
from certificates.selectors import copy_verdict
from certificates.services import (
    annotate_refusal,
    certificate_copy_request,
)
from certificates.validity import usage_valid_until
from lib.errors import ApplicationError
from portal.test import BaseTestCase
from registry.models import RegistrationStatus
from registry.tests.builders import case_granted, registration_granted
from registry.tests.helpers import case_grant, granted_case_of, in_renewal_window


def version_part(license_id: str) -> str:
    """The 3-digit version of a 电子证照标识 (…<流水号>.<version>.<check>)."""
    return license_id.split(".")[-2]


class FollowTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.today = timezone.localdate()
        self.registration = registration_granted(self, specialties=("10401001", "10401002"))
        self.first = Certificate.objects.get(registration=self.registration)
        self.old_copy = certificate_copy_request(certificate=self.first, user=self.applicant)

    def verdict(self, copy: CertificateCopy):
        # Read again: the copy's certificate changed under it.
        return copy_verdict(copy=CertificateCopy.objects.get(pk=copy.pk), today=self.today)

    def assertNewVersion(self, case) -> Certificate:
        """`case` issued version 2 of the same serial; version 1 is 已被新证书替代."""
        self.first.refresh_from_db()
        current = Certificate.objects.get(registration=self.registration, status=CertificateStatus.CURRENT)
        self.assertEqual(current.case, case)
        self.assertEqual((current.serial, current.version), (self.first.serial, 2))
        self.assertEqual(
            (version_part(self.first.license_id), version_part(current.license_id)), ("001", "002")
        )
        self.assertEqual(current.issued_on, self.today)
        return current

    def assertSuperseded(self, case) -> None:
        current = self.assertNewVersion(case)
        self.assertEqual(self.first.status, CertificateStatus.SUPERSEDED)
        verdict = self.verdict(self.old_copy)
        self.assertEqual((verdict.code, verdict.label), ("superseded", "已被新证书替代"))
        self.assertEqual(
            annotate_refusal(certificate=self.first, today=self.today),
            "该证书已被新证书替代，请对最新证书加注",
        )
        new_copy = certificate_copy_request(certificate=current, user=self.applicant)
        self.assertEqual(self.verdict(new_copy).code, "valid")


class NewVersionTestCase(FollowTestCase):
    def test_an_addition_issues_a_new_version(self):
        self.assertSuperseded(
            granted_case_of(self, RegistrationType.ADDITION, addition_specialties=["10401005"])
        )

    def test_a_change_issues_a_new_version(self):
        self.assertSuperseded(granted_case_of(self, RegistrationType.CHANGE))

    def test_a_renewal_issues_a_new_version(self):
        self.registration.specialties.update(valid_to=in_renewal_window(self.today))
        self.assertSuperseded(
            granted_case_of(self, RegistrationType.RENEWAL, renewal_specialties=["10401001"])
        )

    def test_a_specialty_left_to_expire_does_not_stop_annotation(self):
        # 建筑工程 renewed, 公路工程 not: once 公路工程 has expired the holder is still
        # registered in 建筑工程 and needs copies for it.
        self.registration.specialties.update(valid_to=in_renewal_window(self.today))
        granted_case_of(self, RegistrationType.RENEWAL, renewal_specialties=["10401001"])
        current = Certificate.objects.get(registration=self.registration, status=CertificateStatus.CURRENT)
        self.registration.specialties.filter(specialty="10401002").update(
            valid_to=self.today - timedelta(days=1)
        )
        self.assertEqual(self.registration.status_on(self.today), RegistrationStatus.VALID)
        self.assertIsNone(annotate_refusal(certificate=current, today=self.today))
        self.assertEqual(
            usage_valid_until(certificate=current, today=self.today), self.today + timedelta(days=180)
        )
        copy = certificate_copy_request(certificate=current, user=self.applicant)
        self.assertEqual(self.verdict(copy).code, "valid")

    def test_a_lapsed_registration_is_refused_before_the_daily_job_runs(self):
        current = self.first
        self.registration.specialties.update(valid_to=self.today - timedelta(days=1))
        self.assertEqual(self.registration.status, RegistrationStatus.VALID)  # not written yet
        self.assertEqual(annotate_refusal(certificate=current, today=self.today), "该注册已失效，不能加注")
        with self.assertRaisesMessage(ApplicationError, "该注册已失效，不能加注"):
            certificate_copy_request(certificate=current, user=self.applicant)
        verdict = self.verdict(self.old_copy)
        self.assertEqual((verdict.code, verdict.label), ("lapsed", "注册已失效"))


class CancelTestCase(FollowTestCase):
    def test_a_cancellation_revokes_the_certificate(self):
        case = granted_case_of(self, RegistrationType.CANCEL)
        self.first.refresh_from_db()
        self.assertEqual(self.first.status, CertificateStatus.REVOKED)
        self.assertEqual(self.first.revoke_reason, f"注册已注销，办件编号{case.number}")
        self.assertFalse(Certificate.objects.filter(status=CertificateStatus.CURRENT).exists())
        self.assertEqual(Certificate.objects.count(), 1)

        verdict = self.verdict(self.old_copy)
        self.assertEqual((verdict.code, verdict.label), ("revoked", "注册已注销"))
        self.assertFalse(verdict.ok)
        self.assertEqual(annotate_refusal(certificate=self.first, today=self.today), "该注册已注销，不能加注")
        with self.assertRaisesMessage(ApplicationError, "该注册已注销，不能加注"):
            certificate_copy_request(certificate=self.first, user=self.applicant)
        self.assertEqual(self.first.copies.count(), 1)

    def test_reregistration_after_cancellation_issues_a_valid_certificate(self):
        case_granted(self, RegistrationType.CANCEL)
        case = case_grant(
            self,
            submitted_case_of(
                self, RegistrationType.REREGISTER, form_data_of(self, RegistrationType.REREGISTER)
            ),
        )
        current = Certificate.objects.get(registration=self.registration, status=CertificateStatus.CURRENT)
        self.assertEqual(current.case, case)
        new_copy = certificate_copy_request(certificate=current, user=self.applicant)
        self.assertEqual(self.verdict(new_copy).code, "valid")
        # The copy made before the cancellation stays void.
        self.assertEqual(self.verdict(self.old_copy).code, "void")


class ReissueTestCase(FollowTestCase):
    def test_a_reissue_voids_the_lost_certificate(self):
        case = granted_case_of(self, RegistrationType.REISSUE)
        current = self.assertNewVersion(case)
        self.assertEqual(self.first.status, CertificateStatus.REVOKED)
        self.assertEqual(self.first.revoke_reason, f"证书遗失补办，办件编号{case.number}")

        verdict = self.verdict(self.old_copy)
        self.assertEqual((verdict.code, verdict.label), ("void", "已作废"))
        self.assertIn(self.first.revoke_reason, verdict.note)
        self.assertEqual(
            annotate_refusal(certificate=self.first, today=self.today), "该证书已作废，请对最新证书加注"
        )
        new_copy = certificate_copy_request(certificate=current, user=self.applicant)
        self.assertEqual(self.verdict(new_copy).code, "valid")
