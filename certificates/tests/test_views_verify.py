"""What anyone does: scan the QR code → the live status; upload an OFD file → seal check + status.
No login anywhere here."""

from __future__ import annotations

import struct
import zipfile
from datetime import datetime, timedelta
from io import BytesIO

from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from catalog.registration_types import ChangeKind
from certificates.models import CertificateCopy, CertificateStatus
from certificates.services import certificate_copy_request, certificate_issue, certificate_revoke
from certificates.tests.helpers import approved_case, ensure_keys
from lib.publiccache import local_answers_forget
from lib.ratelimit import LimitName, Scope, limit_rate
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase
from registry.models import RegistrationChange, RegistrationStatus

CONTENT_XML = "Doc_0/Pages/Page_0/Content.xml"


def flip_a_byte_inside(content: bytes, name: str) -> bytes:
    """The package as uploaded, with one byte of `name`'s stored data changed."""
    info = zipfile.ZipFile(BytesIO(content)).getinfo(name)
    name_length, extra_length = struct.unpack(
        "<HH", content[info.header_offset + 26 : info.header_offset + 30]
    )
    position = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    return content[:position] + bytes([content[position] ^ 0x01]) + content[position + 1 :]


def with_one_byte_changed(content: bytes, name: str) -> bytes:
    """The package re-zipped with one byte of `name` changed, as an editing tool would save it."""
    source = zipfile.ZipFile(BytesIO(content))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == name:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
            target.writestr(info.filename, data)
    return out.getvalue()


class VerifyTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        cache.clear()  # the upload limit counts per address
        _, self.certificate = approved_case(self)
        self.registration = self.certificate.registration
        self.copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        drain_task_queue()
        self.copy.refresh_from_db()
        self.url = reverse("certificates:verify", args=[self.copy.token])
        with self.copy.file.open("rb") as f:
            self.content = f.read()

    def upload(self, content: bytes, name: str = "证书.ofd"):
        return self.client.post(
            reverse("certificates:verify_upload"), {"file": SimpleUploadedFile(name, content)}
        )

    def test_it_says_valid_with_the_name_masked(self):
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, '<p class="verdict-label">有效</p>')
        self.assertContains(r, "张*")
        self.assertNotContains(r, "张伟")
        self.assertNotContains(r, self.applicant.id_number)
        self.assertContains(r, self.registration.number)
        self.assertContains(r, "建筑工程（有效期：")
        self.assertContains(r, self.registration.employer_name)
        self.assertContains(r, "辽宁省住房和城乡建设厅")
        self.assertContains(r, self.certificate.license_id)
        until = self.copy.usage_valid_until
        self.assertContains(r, f"{until.year}年{until.month}月{until.day}日")
        self.assertContains(r, 'enctype="multipart/form-data"')

    def test_the_page_reads_the_copy_and_the_specialties_once_each(self):
        # Not kept yet (certificates/verification.py): one query for the copy's registration
        # (kept for good after), one for the copy with its certificate, registration, person
        # and department; one for the specialties, which the page lists and the verdict reads
        # (失效 when none is still in force) from the same prefetched rows.
        caches["public"].clear()
        local_answers_forget()
        with self.assertNumQueries(3):
            r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">有效</p>')
        self.assertContains(r, "建筑工程（有效期：")

    def test_it_says_cancelled_after_a_cancellation(self):
        self.registration.status = RegistrationStatus.CANCELLED
        self.registration.save()
        certificate_revoke(registration=self.registration, reason="注销注册")
        r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">注册已注销</p>')
        self.assertNotContains(r, '<p class="verdict-label">有效</p>')
        self.assertContains(r, "注销时间")

    def test_the_date_it_states_is_the_registers_own(self):
        # Cancelled in 2026 (the certificate revoked then), then revoked by the authority on
        # 2027-03-05: the page says 撤销 with the 撤销's date, not the certificate's.
        self.registration.status = RegistrationStatus.CANCELLED
        self.registration.save()
        certificate_revoke(registration=self.registration, reason="注销注册")
        self.registration.status = RegistrationStatus.REVOKED
        self.registration.save()
        change = RegistrationChange.objects.create(
            registration=self.registration, kind=ChangeKind.REVOKE, summary="撤销注册"
        )
        revoked_at = timezone.make_aware(datetime(2027, 3, 5, 10, 0))
        RegistrationChange.objects.filter(pk=change.pk).update(created_at=revoked_at)
        r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">注册已撤销</p>')
        self.assertContains(r, "<dt>撤销时间</dt><dd>2027年3月5日</dd>", html=False)

    def test_it_says_lapsed(self):
        self.registration.status = RegistrationStatus.LAPSED
        self.registration.save()
        self.assertContains(self.client.get(self.url), '<p class="verdict-label">注册已失效</p>')

    def test_it_says_superseded_by_a_new_certificate(self):
        certificate_issue(registration=self.registration, case=None)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.status, CertificateStatus.SUPERSEDED)
        r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">已被新证书替代</p>')

    def test_it_says_the_usage_date_has_passed(self):
        self.copy.usage_valid_until = timezone.localdate() - timedelta(days=1)
        self.copy.save()
        r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">超过使用有效期</p>')
        self.assertContains(r, "重新“加注”")

    def test_an_unknown_token_is_not_found(self):
        r = self.client.get(reverse("certificates:verify", args=["0" * 8 + "-0000-4000-8000-" + "0" * 12]))
        self.assertEqual(r.status_code, 404)
        self.assertContains(r, "未找到该证书", status_code=404)

    def test_a_copy_not_made_yet_is_not_found(self):
        pending = CertificateCopy.objects.create(
            certificate=self.certificate,
            usage_valid_until=self.copy.usage_valid_until,
            requested_by=self.applicant,
        )
        r = self.client.get(reverse("certificates:verify", args=[pending.token]))
        self.assertContains(r, "未找到该证书", status_code=404)

    def test_the_page_for_uploads_needs_no_login(self):
        r = self.client.get(reverse("certificates:verify_upload"))
        self.assertContains(r, "上传证书文件核验")
        self.assertContains(r, 'accept=".ofd,application/ofd"')

    def test_an_uploaded_certificate_is_valid_with_its_seal(self):
        r = self.upload(self.content)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "电子印章有效")
        self.assertContains(r, '<p class="verdict-label">有效</p>')
        self.assertContains(r, self.registration.number)
        self.assertContains(r, "张*")
        self.assertNotContains(r, "张伟")

    def test_an_uploaded_certificate_shows_its_live_status(self):
        self.registration.status = RegistrationStatus.CANCELLED
        self.registration.save()
        certificate_revoke(registration=self.registration, reason="注销注册")
        r = self.upload(self.content)
        self.assertContains(r, "电子印章有效")
        self.assertContains(r, '<p class="verdict-label">注册已注销</p>')

    def test_a_changed_byte_in_the_upload_is_named(self):
        r = self.upload(flip_a_byte_inside(self.content, CONTENT_XML))
        self.assertContains(r, '<p class="verdict-label">文件无效</p>')
        self.assertContains(r, f"文件 {CONTENT_XML} 已损坏")
        self.assertNotContains(r, "电子印章有效")
        self.assertNotContains(r, '<p class="verdict-label">有效</p>')

    def test_a_changed_byte_in_a_file_of_the_package_is_named(self):
        r = self.upload(with_one_byte_changed(self.content, CONTENT_XML))
        self.assertContains(r, '<p class="verdict-label">文件无效</p>')
        self.assertContains(r, f"文件 {CONTENT_XML} 已被修改（SM3校验值不符）")
        self.assertNotContains(r, self.registration.number)

    def test_a_repacked_certificate_is_valid_with_a_note(self):
        # A mail system packed it again and added a file of its own: the sealed content is
        # untouched, so the certificate stands; the page says what it noticed.
        source = zipfile.ZipFile(BytesIO(self.content))
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
            for info in reversed(source.infolist()):
                target.writestr(info.filename, source.read(info))
            target.writestr("readme.txt", "本邮件附件已经过病毒扫描")
        r = self.upload(out.getvalue())
        self.assertContains(r, "电子印章有效")
        self.assertContains(r, '<p class="verdict-label">有效</p>')
        self.assertContains(r, self.registration.number)
        self.assertContains(r, "<li>文件容器已被重新打包，签章所覆盖的内容未变</li>", html=False)
        self.assertContains(r, "文件 readme.txt 不在签章保护范围内（签章后被添加）")

    def test_a_file_that_is_not_ofd_gets_a_plain_answer(self):
        r = self.upload(b"%PDF-1.4 not a certificate", name="证书.pdf")
        self.assertContains(r, '<p class="verdict-label">文件无效</p>')
        self.assertContains(r, "文件不是有效的OFD文件")

    def test_a_large_file_is_refused(self):
        r = self.upload(b"PK" + b"\0" * (5 * 1024 * 1024))
        self.assertContains(r, "文件不能超过5MB")
        self.assertNotContains(r, "核验结果")

    def test_an_empty_form_asks_for_a_file(self):
        r = self.client.post(reverse("certificates:verify_upload"), {})
        self.assertContains(r, "请选择要核验的OFD文件")

    def test_uploads_are_limited_per_address(self):
        rate = limit_rate(LimitName.VERIFY_UPLOAD, Scope.CLIENT)
        assert rate is not None
        for _ in range(rate.count):
            self.assertEqual(self.upload(b"not an ofd").status_code, 200)
        r = self.upload(self.content)
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "核验过于频繁", status_code=429)
        self.assertNotContains(r, "电子印章有效", status_code=429)

    def test_uploads_are_limited_for_the_whole_site(self):
        with self.settings(RATE_LIMITS={"verify_upload.site": (1, 60)}):
            self.assertEqual(self.upload(b"not an ofd").status_code, 200)
            r = self.client.post(
                reverse("certificates:verify_upload"),
                {"file": SimpleUploadedFile("证书.ofd", self.content)},
                REMOTE_ADDR="203.0.113.50",
            )
        self.assertContains(r, "当前核验的人数较多，请稍后再试", status_code=429)
        self.assertNotContains(r, "电子印章有效", status_code=429)
