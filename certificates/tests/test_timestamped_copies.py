"""A 加注 copy with the time-stamping service configured: stamped when made, not made while the
service is down (the task is tried again), and the public page and the file check show its
trusted time and the signer certificate's revocation (ADR 0032)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from asn1crypto import x509
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from certificates.crl import Revocation, crl_build
from certificates.crypto import get_signer, private_key_load
from certificates.keys import ca_certificate_der, key_paths
from certificates.models import CertificateCopy, CopyStatus
from certificates.services import (
    certificate_copies_requeue_stale,
    certificate_copy_make,
    certificate_copy_request,
)
from certificates.tests.helpers import approved_case, ensure_keys
from certificates.tests.tsa import LoopbackTsa
from certificates.verify import moment, verify_ofd
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase


class TimestampedCopyTestCase(BaseTestCase):
    tsa: LoopbackTsa

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()
        directory = Path(tempfile.mkdtemp(prefix="tsa-"))
        cls.addClassCleanup(shutil.rmtree, directory)
        cls.tsa = LoopbackTsa(directory)
        url = cls.enterClassContext(cls.tsa.serving())
        overrides = override_settings(
            CERT_TSA="rfc3161", CERT_TSA_URL=url, CERT_TSA_CA=str(cls.tsa.anchor), CERT_CRL_FILE=""
        )
        overrides.enable()
        cls.addClassCleanup(overrides.disable)

    def setUp(self) -> None:
        cache.clear()
        self.tsa.down = False
        _, self.certificate = approved_case(self)

    def made_copy(self) -> CertificateCopy:
        copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        drain_task_queue()
        copy.refresh_from_db()
        return copy

    def stamped_at_of(self, copy: CertificateCopy) -> datetime:
        assert copy.stamped_at is not None
        return copy.stamped_at

    def content_of(self, copy: CertificateCopy) -> bytes:
        with copy.file.open("rb") as f:
            content: bytes = f.read()
        return content

    def crl_revoking_signer_at(self, when: datetime) -> str:
        path = Path(tempfile.mkdtemp(prefix="crl-")) / "ca.crl"
        self.addCleanup(shutil.rmtree, path.parent)
        serial = x509.Certificate.load(get_signer().certificate_der).serial_number
        path.write_bytes(
            crl_build(
                ca_key=private_key_load(key_paths().ca_key.read_bytes()),
                ca_der=ca_certificate_der(),
                revoked={serial: Revocation(revoked_at=when, reason="key_compromise")},
                this_update=when,
                next_update=when + timedelta(days=7),
                number=1,
            )
        )
        return str(path)

    def upload(self, content: bytes):
        file = SimpleUploadedFile("证书.ofd", content)
        return self.client.post(reverse("certificates:verify_upload"), {"file": file})


class MakingTestCase(TimestampedCopyTestCase):
    def test_a_copy_is_stamped_and_keeps_its_trusted_time(self):
        copy = self.made_copy()
        self.assertEqual(copy.status, CopyStatus.READY)
        assert copy.stamped_at is not None
        result = verify_ofd(self.content_of(copy))
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.stamped_at, copy.stamped_at)
        serial = x509.Certificate.load(get_signer().certificate_der).serial_number
        self.assertEqual(copy.signer_serial, str(serial))

    def test_with_the_service_down_no_file_is_issued_and_the_copy_is_made_again_later(self):
        self.tsa.down = True
        copy = self.made_copy()
        self.assertEqual(copy.status, CopyStatus.PENDING)  # still 加注中
        self.assertFalse(copy.file)
        self.assertIsNone(copy.claimed_at)
        self.assertIn("时间戳服务暂不可用", copy.error)
        # The service is back; the sweep (run_periodic) hands the copy out again.
        self.tsa.down = False
        self.assertEqual(certificate_copies_requeue_stale(now=timezone.now() + timedelta(minutes=10)), 1)
        drain_task_queue()
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)
        self.assertIsNotNone(copy.stamped_at)
        self.assertEqual(copy.error, "")

    def test_a_service_down_for_every_attempt_fails_the_copy_and_says_why(self):
        self.tsa.down = True
        copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        for _ in range(3):
            certificate_copy_make(copy_id=copy.pk)
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.FAILED)
        self.assertFalse(copy.file)
        # A Chinese reason: the holder's pages show it (certificates.views._shown_error).
        self.assertTrue(copy.error.startswith("时间戳服务暂不可用，证书文件未生成，请稍后重新加注"))


class PagesTestCase(TimestampedCopyTestCase):
    def test_the_verification_page_shows_the_trusted_time(self):
        copy = self.made_copy()
        stamped_at = self.stamped_at_of(copy)
        r = self.client.get(reverse("certificates:verify", args=[copy.token]))
        self.assertContains(r, "<dt>可信时间</dt>")
        self.assertContains(r, moment(stamped_at))
        self.assertNotContains(r, "吊销")

    def test_the_verification_page_shows_a_revocation_after_the_stamp_as_harmless(self):
        copy = self.made_copy()
        stamped_at = self.stamped_at_of(copy)
        revoked = stamped_at + timedelta(hours=1)
        with override_settings(CERT_CRL_FILE=self.crl_revoking_signer_at(revoked)):
            r = self.client.get(reverse("certificates:verify", args=[copy.token]))
        self.assertContains(
            r,
            f"签章证书已于 {moment(revoked)} 吊销（密钥泄露）；"
            f"盖章时签章证书有效（可信时间 {moment(stamped_at)}）",
        )
        self.assertNotContains(r, "seal-revoked")

    def test_the_verification_page_shows_a_revocation_before_the_stamp(self):
        copy = self.made_copy()
        stamped_at = self.stamped_at_of(copy)
        self.client.get(reverse("certificates:verify", args=[copy.token]))  # kept in the cache
        revoked = stamped_at - timedelta(hours=1)
        with override_settings(CERT_CRL_FILE=self.crl_revoking_signer_at(revoked)):
            r = self.client.get(reverse("certificates:verify", args=[copy.token]))
        self.assertContains(r, 'class="seal-revoked"')
        self.assertContains(r, f"签章证书已于 {moment(revoked)} 吊销")
        self.assertContains(r, "该文件上的电子印章已不能证明其真实性")

    def test_the_upload_check_shows_the_trusted_time(self):
        copy = self.made_copy()
        stamped_at = self.stamped_at_of(copy)
        r = self.upload(self.content_of(copy))
        self.assertContains(r, "电子印章有效")
        self.assertContains(r, f"<dt>可信时间</dt><dd>{moment(stamped_at)}（时间戳：测试时间戳服务）</dd>")

    def test_the_upload_check_refuses_a_file_stamped_after_the_revocation(self):
        copy = self.made_copy()
        stamped_at = self.stamped_at_of(copy)
        revoked = stamped_at - timedelta(hours=1)
        with override_settings(CERT_CRL_FILE=self.crl_revoking_signer_at(revoked)):
            r = self.upload(self.content_of(copy))
        self.assertContains(r, "文件无效")
        self.assertContains(r, f"签章证书已于 {moment(revoked)} 吊销（密钥泄露），时间戳证明的盖章时间")

    def test_the_upload_check_accepts_a_file_stamped_before_the_revocation_with_a_note(self):
        copy = self.made_copy()
        stamped_at = self.stamped_at_of(copy)
        revoked = stamped_at + timedelta(hours=1)
        with override_settings(CERT_CRL_FILE=self.crl_revoking_signer_at(revoked)):
            r = self.upload(self.content_of(copy))
        self.assertContains(r, "电子印章有效")
        self.assertContains(r, "盖章时签章证书有效（可信时间")
