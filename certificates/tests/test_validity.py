"""A certificate's validity has one home, `certificates.validity.certificate_verdict`: the
public page, 「加注」, the holder's list and the export give the same answer, worst reason first."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from io import BytesIO, StringIO
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, CertificateCopy, CertificateStatus, CopyStatus
from certificates.selectors import copy_verdict
from certificates.services import annotate_refusal, verify_url
from certificates.tests.helpers import ensure_keys, granted_registration
from certificates.validity import CertificateVerdict, certificate_verdict, usage_valid_until
from lib.dates import add_years
from portal.test import BaseTestCase
from registry.models import RegistrationStatus


def stored_copy(address: str) -> bytes:
    """A stand-in for a sealed copy: only the attached record that the export reads."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Doc_0/Attachments/certificate.json", json.dumps({"verify_url": address}))
    return buffer.getvalue()


class ValidityTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.today = timezone.localdate()
        self.registration, self.certificate = granted_registration(self)

    def copy(self, *, until_days: int = 30, file: bool = False) -> CertificateCopy:
        copy = CertificateCopy.objects.create(
            certificate=self.certificate,
            usage_valid_until=self.today + timedelta(days=until_days),
            requested_by=self.applicant,
            status=CopyStatus.READY,
            ready_at=timezone.now(),
        )
        if file:
            copy.file.save(f"{copy.token.hex}.ofd", ContentFile(stored_copy(verify_url(copy))), save=True)
        return copy

    def verdict(self, copy: CertificateCopy | None = None) -> CertificateVerdict:
        certificate = Certificate.objects.get(pk=self.certificate.pk)
        return certificate_verdict(certificate=certificate, today=self.today, copy=copy)


class VerdictTestCase(ValidityTestCase):
    def test_a_copy_is_valid_through_the_last_day_of_its_usage(self):
        self.assertEqual(self.verdict(self.copy(until_days=0)), CertificateVerdict.VALID)
        self.assertEqual(self.verdict(self.copy(until_days=-1)), CertificateVerdict.EXPIRED)
        public = copy_verdict(copy=self.copy(until_days=-1), today=self.today)
        self.assertEqual(
            (public.code, public.label, public.ok), (CertificateVerdict.EXPIRED, "超过使用有效期", False)
        )

    def test_the_register_comes_before_the_certificate(self):
        # A lost certificate replaced, then the registration lapsed: the page and 「加注」 both
        # say 失效 (the page used to say 作废, 「加注」 失效).
        copy = self.copy()
        self.certificate.status = CertificateStatus.REVOKED
        self.certificate.revoke_reason = "证书遗失补办"
        self.certificate.save()
        self.registration.specialties.update(valid_to=self.today - timedelta(days=1))
        self.assertEqual(self.verdict(copy), CertificateVerdict.LAPSED)
        self.assertEqual(self.verdict(), CertificateVerdict.LAPSED)
        self.assertEqual(copy_verdict(copy=copy, today=self.today).label, "注册已失效")
        self.assertEqual(
            annotate_refusal(certificate=self.certificate, today=self.today), "该注册已失效，不能加注"
        )

    def test_a_cancellation_comes_first(self):
        copy = self.copy(until_days=-5)
        self.registration.status = RegistrationStatus.CANCELLED
        self.registration.save()
        self.certificate.status = CertificateStatus.SUPERSEDED
        self.certificate.save()
        self.assertEqual(self.verdict(copy), CertificateVerdict.CANCELLED)
        self.assertEqual(copy_verdict(copy=copy, today=self.today).label, "注册已注销")

    def test_a_void_certificate_names_its_reason(self):
        copy = self.copy()
        self.certificate.status = CertificateStatus.REVOKED
        self.certificate.revoke_reason = "证书遗失补办，办件编号LN1"
        self.certificate.save()
        public = copy_verdict(copy=CertificateCopy.objects.get(pk=copy.pk), today=self.today)
        self.assertEqual((public.code, public.label), (CertificateVerdict.VOID, "已作废"))
        self.assertIn("（证书遗失补办，办件编号LN1）", public.note)

    def test_a_superseded_copy_is_superseded_whatever_its_date(self):
        copy = self.copy(until_days=-1)
        self.certificate.status = CertificateStatus.SUPERSEDED
        self.certificate.save()
        self.assertEqual(self.verdict(copy), CertificateVerdict.SUPERSEDED)

    def test_no_copy_is_made_on_the_65th_birthday(self):
        if (self.today.month, self.today.day) == (2, 29):
            # Nobody turns 65 on 29 February 2028: 29 February 1963 did not exist.
            # The test takes the day after, a birthday on which everything else still holds.
            self.today += timedelta(days=1)
        person = self.registration.person
        person.birth_date = add_years(self.today, -65)
        person.save()
        self.assertEqual(usage_valid_until(certificate=self.certificate, today=self.today), self.today)
        self.assertEqual(self.verdict(), CertificateVerdict.EXPIRED)
        self.assertEqual(
            annotate_refusal(certificate=self.certificate, today=self.today),
            "注册专业已过有效期或已达到年龄上限，不能加注",
        )


class ExportTestCase(ValidityTestCase):
    def export(self) -> str:
        target = Path(settings.MEDIA_ROOT) / "out.ofd"
        out = StringIO()
        call_command("certificate_export", self.registration.number, str(target), stdout=out)
        stored = CertificateCopy.objects.filter(status=CopyStatus.READY).latest("ready_at")
        self.assertEqual(target.read_bytes(), stored.file.read())
        return out.getvalue()

    def test_it_exports_a_copy_on_its_last_valid_day(self):
        copy = self.copy(until_days=0, file=True)
        output = self.export()
        self.assertIn(f"使用有效期至 {copy.usage_valid_until}", output)
        self.assertEqual(CertificateCopy.objects.count(), 1)  # none made

    @override_settings(SITE_URL="https://zwfw.example.cn")
    def test_the_exported_copy_leads_to_the_configured_site(self):
        # A copy made while SITE_URL was the demo's default is valid, but its QR code leads to
        # 127.0.0.1: the export makes a fresh one whose QR code and record carry SITE_URL.
        ensure_keys()
        demo = self.copy()
        local = "http://127.0.0.1:8000" + reverse("certificates:verify", args=[demo.token])
        demo.file.save(f"{demo.token.hex}.ofd", ContentFile(stored_copy(local)), save=True)
        output = self.export()
        made = CertificateCopy.objects.exclude(pk=demo.pk).get()
        address = "https://zwfw.example.cn" + reverse("certificates:verify", args=[made.token])
        record = json.loads(zipfile.ZipFile(made.file).read("Doc_0/Attachments/certificate.json"))
        self.assertEqual(record["verify_url"], address)
        self.assertIn(f"二维码核验地址：{address}", output)

    def test_it_does_not_export_a_copy_of_a_lapsed_registration(self):
        self.copy(file=True)
        self.registration.specialties.update(valid_to=self.today - timedelta(days=1))
        with self.assertRaisesMessage(CommandError, "该注册已失效，不能加注"):
            self.export()
        self.assertEqual(CertificateCopy.objects.count(), 1)
