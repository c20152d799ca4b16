"""The tables of a certificate's and a 加注 copy's status changes
(`certificates/transitions.py`) and the only two functions that write those statuses."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from certificates.models import (
    Certificate,
    CertificateCopy,
    CertificateLog,
    CertificateStatus,
    CopyAction,
    CopyStatus,
    LogAction,
)
from certificates.services import certificate_transition, copy_transition
from certificates.transitions import CERTIFICATE_TRANSITIONS, COPY_TRANSITIONS
from lib.errors import ApplicationError
from portal.test import BaseTestCase
from registry.models import RegistrationStatus
from registry.tests.test_transitions import registration_make

TRANSITION_ACTIONS = (LogAction.SUPERSEDE, LogAction.REVOKE)


def certificate_make(testcase: BaseTestCase, *, status: str) -> Certificate:
    return Certificate.objects.create(
        registration=registration_make(testcase, status=RegistrationStatus.VALID),
        serial="00000001",
        version=1,
        license_id="11100000000013338W-000000000000000000-00000001-1",
        status=status,
        issued_on=date(2025, 6, 1),
    )


def copy_make(testcase: BaseTestCase, *, status: str) -> CertificateCopy:
    return CertificateCopy.objects.create(
        certificate=certificate_make(testcase, status=CertificateStatus.CURRENT),
        usage_valid_until=date(2025, 11, 28),
        status=status,
        requested_by=testcase.applicant,
    )


class CertificateTransitionTestCase(BaseTestCase):
    def test_every_transition_of_the_table_works_and_is_logged(self):
        self.assertEqual({t.action for t in CERTIFICATE_TRANSITIONS}, set(TRANSITION_ACTIONS))
        for t in CERTIFICATE_TRANSITIONS:
            with self.subTest(action=t.action), transaction.atomic():
                certificate = certificate_make(self, status=t.source)

                certificate_transition(
                    certificate=certificate, action=t.action, reason="注册已注销，办件编号LN1"
                )

                certificate = Certificate.objects.get()
                self.assertEqual(certificate.status, t.target)
                self.assertIsNotNone(certificate.revoked_at)
                # Only a revoked certificate keeps the reason as its 废止原因.
                self.assertEqual(
                    certificate.revoke_reason,
                    "注册已注销，办件编号LN1" if t.target == CertificateStatus.REVOKED else "",
                )
                log = CertificateLog.objects.get()
                self.assertEqual((log.action, log.detail), (t.action, "注册已注销，办件编号LN1"))
                transaction.set_rollback(True)

    def test_a_change_not_in_the_table_is_refused_and_nothing_is_written(self):
        allowed = {(t.source, t.action) for t in CERTIFICATE_TRANSITIONS}
        for status in CertificateStatus:
            for action in TRANSITION_ACTIONS:
                if (status, action) in allowed:
                    continue
                with self.subTest(status=status, action=action), transaction.atomic():
                    certificate = certificate_make(self, status=status)

                    with self.assertRaisesMessage(
                        ApplicationError, f"该证书当前状态为“{status.label}”，不能{action.label}"
                    ):
                        certificate_transition(certificate=certificate, action=action, reason="换发新版本")

                    self.assertEqual(Certificate.objects.get().status, status)
                    self.assertFalse(CertificateLog.objects.exists())
                    transaction.set_rollback(True)

    def test_an_action_that_is_no_transition_is_refused(self):
        certificate = certificate_make(self, status=CertificateStatus.CURRENT)
        with self.assertRaisesMessage(ApplicationError, "该证书当前状态为“有效”，不能下载"):
            certificate_transition(certificate=certificate, action=LogAction.DOWNLOAD, reason="")
        self.assertEqual(Certificate.objects.get().status, CertificateStatus.CURRENT)


class CopyTransitionTestCase(BaseTestCase):
    def test_every_transition_of_the_table_works_with_the_fields_named(self):
        for t in COPY_TRANSITIONS:
            with self.subTest(action=t.action), transaction.atomic():
                copy = copy_make(self, status=t.source)
                copy.error = "签章服务不可用"
                copy.sha256 = "not saved"

                copy_transition(copy=copy, action=t.action, also=["error"])

                copy = CertificateCopy.objects.get()
                self.assertEqual((copy.status, copy.error, copy.sha256), (t.target, "签章服务不可用", ""))
                transaction.set_rollback(True)

    def test_a_change_not_in_the_table_is_refused_and_nothing_is_written(self):
        allowed = {(t.source, t.action) for t in COPY_TRANSITIONS}
        for status in CopyStatus:
            for action in CopyAction:
                if (status, action) in allowed:
                    continue
                with self.subTest(status=status, action=action), transaction.atomic():
                    copy = copy_make(self, status=status)

                    with self.assertRaisesMessage(
                        ApplicationError, f"该加注件当前状态为“{status.label}”，不能{action.label}"
                    ):
                        copy_transition(copy=copy, action=action)

                    self.assertEqual(CertificateCopy.objects.get().status, status)
                    transaction.set_rollback(True)
