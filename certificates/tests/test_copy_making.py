from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from unittest.mock import patch

from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from cases.tests.helpers import employer_offline
from certificates.document import CertificateData
from certificates.layout import SEAL_CENTER
from certificates.models import CopyStatus
from certificates.services import (
    certificate_copies_requeue_stale,
    certificate_copy_make,
    certificate_copy_request,
)
from certificates.ses import ses_signature_parse
from certificates.signing import OFD_NS
from certificates.tests.helpers import ensure_keys, granted_registration
from certificates.verify import verify_ofd
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase


class CopyMakingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def test_the_worker_makes_a_sealed_copy_that_verifies(self):
        _, certificate = granted_registration(self)
        drain_task_queue()  # the case's receipt, sealed (ADR 0033)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        self.assertEqual(drain_task_queue(), 1)
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)
        with copy.file.open("rb") as f:
            content = f.read()
        result = verify_ofd(content)
        self.assertTrue(result.ok, result.problems)
        names = zipfile.ZipFile(BytesIO(content)).namelist()
        self.assertIn("Doc_0/Signs/Sign_0/SignedValue.dat", names)
        self.assertIn("Doc_0/Attachments/certificate.json", names)
        record = zipfile.ZipFile(BytesIO(content)).read("Doc_0/Attachments/certificate.json").decode()
        self.assertIn(certificate.license_id, record)
        self.assertIn(copy.usage_valid_until.isoformat(), record)

    def test_the_stamp_is_drawn_at_the_size_the_seal_declares(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        drain_task_queue()
        copy.refresh_from_db()
        with copy.file.open("rb") as f:
            package = zipfile.ZipFile(BytesIO(f.read()))
        signature = etree.fromstring(package.read("Doc_0/Signs/Sign_0/Signature.xml"))
        (stamp,) = signature.iterfind(".//ofd:StampAnnot", {"ofd": OFD_NS})
        x, y, width, height = (float(v) for v in stamp.get("Boundary").split())
        seal = ses_signature_parse(package.read("Doc_0/Signs/Sign_0/SignedValue.dat")).seal
        self.assertEqual((width, height), (seal.picture_width_mm, seal.picture_height_mm))
        self.assertEqual((width, height), (40.0, 40.0))
        # Centred where the layout keeps the seal, over 发证机关 and 签发日期.
        self.assertEqual((x + width / 2, y + height / 2), SEAL_CENTER)

    def test_a_second_task_for_the_same_copy_does_nothing(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        drain_task_queue()
        copy.refresh_from_db()
        made = copy.file.name
        certificate_copy_make(copy_id=copy.pk)
        copy.refresh_from_db()
        self.assertEqual(copy.file.name, made)

    def test_a_copy_left_by_a_dead_worker_is_made_again(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        # The worker claimed it and died: the task row is gone with it.
        copy.claimed_at = timezone.now() - timedelta(minutes=10)
        copy.save()
        DBTaskResult.objects.all().delete()
        later = timezone.now() + timedelta(minutes=10)
        self.assertEqual(certificate_copies_requeue_stale(now=later), 1)
        drain_task_queue()
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)

    def test_a_copy_waiting_for_a_busy_worker_gets_no_second_task(self):
        _, certificate = granted_registration(self)
        drain_task_queue()  # the case's receipt, sealed
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        # Every worker is busy: the copy waits unclaimed with its task in the queue, round after round.
        for minutes in (1, 2, 3, 4):
            later = timezone.now() + timedelta(minutes=minutes)
            self.assertEqual(certificate_copies_requeue_stale(now=later), 0)
        self.assertEqual(DBTaskResult.objects.filter(args_kwargs__kwargs__copy_id=copy.pk).count(), 1)
        self.assertEqual(drain_task_queue(), 1)
        copy.refresh_from_db()
        self.assertEqual((copy.status, copy.attempts), (CopyStatus.READY, 1))

    def test_a_failure_is_recorded_and_retried_then_given_up(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        with patch("certificates.services.sealed_ofd", side_effect=RuntimeError("seal service down")):
            for _ in range(3):
                certificate_copy_make(copy_id=copy.pk)
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.FAILED)
        self.assertEqual(copy.attempts, 3)
        self.assertIn("seal service down", copy.error)


class WorkerWarmUpTestCase(BaseTestCase):
    """run_worker's warm-up draws and seals one made-up copy, so the first holder's copy is no
    slower than the next (issue 14) — with a key made for it, never the seal's."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def test_the_seals_key_signs_nothing_and_nothing_is_stored_or_stamped(self):
        from certificates import issuing
        from certificates.crypto import get_signer

        made: list[bytes] = []
        real = get_signer()
        with (
            patch.object(type(real), "sign", side_effect=AssertionError("the seal's key signed")) as sign,
            patch("certificates.issuing.stamper", side_effect=AssertionError("stamped")),
            patch.object(issuing._ThrowawaySigner, "seal", autospec=True, side_effect=_recorded(made)),
        ):
            issuing.warm_up()
        sign.assert_not_called()
        [ofd] = made
        # A whole copy was made, and its seal verifies against no certificate of ours.
        with zipfile.ZipFile(BytesIO(ofd)) as archive:
            self.assertIn("Doc_0/Signs/Sign_0/SignedValue.dat", archive.namelist())
        verdict = verify_ofd(ofd)
        self.assertFalse(verdict.ok)
        self.assertEqual(verdict.signatures, 1)


def _recorded(made: list[bytes]) -> Callable[..., bytes]:
    """`_ThrowawaySigner.seal` as it is, keeping what it made in `made`."""
    from certificates.issuing import _ThrowawaySigner

    original = _ThrowawaySigner.seal

    def seal(self: _ThrowawaySigner, data: CertificateData) -> bytes:
        made.append(original(self, data))
        return made[-1]

    return seal
