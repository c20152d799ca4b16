"""「二建建造师注册证书」: the sealed OFD, to its holder only, every download logged."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateCopy, CertificateLog, CopyStatus, LogAction
from certificates.services import certificate_copy_request
from certificates.tests.helpers import approved_case, ensure_keys
from certificates.verify import verify_ofd
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase


class DownloadTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        _, self.certificate = approved_case(self)
        self.copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        self.url = reverse("certificates:download", args=[self.copy.pk])

    def make(self) -> CertificateCopy:
        drain_task_queue()
        self.copy.refresh_from_db()
        return self.copy

    def test_it_downloads_the_sealed_ofd(self):
        self.make()
        self.client.force_login(self.applicant)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        content = r.getvalue()
        self.assertTrue(content.startswith(b"PK"))
        self.assertEqual(r["Content-Type"], "application/ofd")
        filename = f"二建建造师注册证书-{self.certificate.registration.number}.ofd"
        self.assertEqual(r["Content-Disposition"], f"attachment; filename*=utf-8''{quote(filename)}")
        self.assertEqual(r["Cache-Control"], "private, no-store")
        self.assertTrue(verify_ofd(content).ok)
        log = CertificateLog.objects.get(action=LogAction.DOWNLOAD)
        self.assertEqual((log.copy, log.user, log.certificate), (self.copy, self.applicant, self.certificate))

    def test_every_download_is_logged(self):
        self.make()
        self.client.force_login(self.applicant)
        for _ in range(2):
            self.client.get(self.url).getvalue()
        self.assertEqual(CertificateLog.objects.filter(action=LogAction.DOWNLOAD, copy=self.copy).count(), 2)

    def test_a_copy_being_made_is_not_there_yet(self):
        self.client.force_login(self.applicant)
        self.assertEqual(self.copy.status, CopyStatus.PENDING)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertFalse(CertificateLog.objects.filter(action=LogAction.DOWNLOAD).exists())

    def test_a_copy_past_its_usage_date_still_downloads(self):
        copy = self.make()
        copy.usage_valid_until = timezone.localdate() - timedelta(days=3)
        copy.save()
        self.client.force_login(self.applicant)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.getvalue().startswith(b"PK"))
        self.assertTrue(CertificateLog.objects.filter(action=LogAction.DOWNLOAD).exists())

    def test_it_is_404_for_another_applicant(self):
        self.make()
        self.client.force_login(self.other_applicant)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertFalse(CertificateLog.objects.filter(action=LogAction.DOWNLOAD).exists())

    def test_it_asks_to_log_in(self):
        self.make()
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("accounts:login"), r["Location"])
        self.assertFalse(CertificateLog.objects.filter(action=LogAction.DOWNLOAD).exists())
