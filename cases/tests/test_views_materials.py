"""Uploading, viewing and removing materials; who may fetch a file or a notice."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.urls import reverse
from PIL import Image

from cases.models import Attachment, Case, CaseStatus, Notice, NoticeKind
from cases.tests.helpers import employer_offline
from cases.tests.sample_files import (
    document_pdf,
    form_post,
    jpeg_with_script,
    photo_png,
    save_new,
    stored_files,
    upload,
    upload_material,
    upload_required,
)
from portal.test import BaseTestCase


class MaterialsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        save_new(self.client, form_post(self))
        self.case = Case.objects.get(applicant=self.applicant)

    def _upload(self, code: str, name: str, data: bytes):
        return self.client.post(
            reverse("cases:upload", args=[self.case.pk, code]), {"file": upload(name, data)}
        )

    def _submit(self) -> Notice:
        upload_required(self.client, self.case)
        self.client.post(reverse("cases:edit", args=[self.case.pk]), {**form_post(self), "action": "submit"})
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.PENDING)
        return Notice.objects.get(case=self.case, kind=NoticeKind.RECEIPT)

    def test_it_stores_a_photo_and_lists_it_under_its_name(self):
        r = self._upload("photo", "我的照片.png", photo_png())
        self.assertRedirects(
            r, reverse("cases:edit", args=[self.case.pk]) + "#material-photo", fetch_redirect_response=False
        )
        att = Attachment.objects.get(case=self.case)
        self.assertEqual(
            (att.material_code, att.content_type, att.display_name), ("photo", "image/png", "我的照片.png")
        )
        self.assertEqual(len(stored_files(self.case)), 1)
        self.assertNotIn("照片", att.file.name)  # stored under a generated name
        r = self.client.get(reverse("cases:edit", args=[self.case.pk]))
        self.assertContains(r, "“申请人本人白底1寸照片（图片）”上传成功")
        self.assertContains(r, "我的照片.png")
        self.assertContains(r, reverse("cases:attachment", args=[self.case.pk, att.pk]))
        self.assertContains(r, '<label for="file-photo"', count=1)

    def test_it_refuses_a_pdf_as_the_photo_and_stores_nothing(self):
        r = self._upload("photo", "photo.png", document_pdf())
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Attachment.objects.exists())
        self.assertEqual(stored_files(self.case), [])
        r = self.client.get(r["Location"])
        self.assertContains(r, "“申请人本人白底1寸照片（图片）”上传失败：该材料只接受JPG或PNG格式的图片")

    def test_it_refuses_a_photo_with_a_coloured_background(self):
        blue = Image.new("RGB", (295, 413), (67, 142, 219))
        out = io.BytesIO()
        blue.save(out, "PNG")
        r = self._upload("photo", "blue.png", out.getvalue())
        self.assertFalse(Attachment.objects.exists())
        self.assertEqual(stored_files(self.case), [])
        self.assertContains(self.client.get(r["Location"]), "照片背景应为白色")

    def test_it_refuses_a_signature_that_is_a_photo(self):
        r = self._upload("signature", "sign.png", photo_png())
        self.assertFalse(Attachment.objects.exists())
        self.assertContains(self.client.get(r["Location"]), "上传失败")

    def test_it_refuses_a_file_over_the_size_limit(self):
        with self.settings(UPLOAD_MAX_BYTES=1000):
            r = self._upload("identity", "id.pdf", document_pdf() + b"%" * 2000)
        self.assertFalse(Attachment.objects.exists())
        self.assertEqual(stored_files(self.case), [])
        self.assertContains(self.client.get(r["Location"]), "文件过大")

    def test_it_refuses_a_request_without_a_file(self):
        r = self.client.post(reverse("cases:upload", args=[self.case.pk, "identity"]))
        self.assertFalse(Attachment.objects.exists())
        self.assertContains(self.client.get(r["Location"]), "请选择要上传的文件")

    def test_it_answers_404_for_an_unknown_material(self):
        r = self._upload("nope", "x.pdf", document_pdf())
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Attachment.objects.exists())

    def test_it_stores_a_jpeg_with_an_appended_script_re_encoded(self):
        data = jpeg_with_script()
        self._upload("identity", "身份证.jpg", data)
        att = Attachment.objects.get(case=self.case)
        self.assertEqual(att.content_type, "image/jpeg")
        with att.file.open("rb") as f:
            stored = f.read()
        self.assertNotIn(b"<script>", stored)
        self.assertNotEqual(stored, data)
        self.assertEqual(Image.open(io.BytesIO(stored)).size, (800, 600))

    def test_it_serves_a_file_privately_to_its_owner(self):
        self._upload("identity", "身份证 正面.pdf", document_pdf())
        att = Attachment.objects.get(case=self.case)
        r = self.client.get(reverse("cases:attachment", args=[self.case.pk, att.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.getvalue(), document_pdf())
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertEqual(r["Content-Disposition"], f"inline; filename*=utf-8''{quote('身份证 正面.pdf')}")
        self.assertEqual(r["X-Content-Type-Options"], "nosniff")
        self.assertEqual(r["Cache-Control"], "private, no-store")

    def test_it_removes_a_file_while_the_case_is_a_draft(self):
        self._upload("identity", "id.pdf", document_pdf())
        att = Attachment.objects.get(case=self.case)
        r = self.client.post(reverse("cases:attachment_remove", args=[self.case.pk, att.pk]))
        self.assertRedirects(
            r, reverse("cases:edit", args=[self.case.pk]) + "#materials", fetch_redirect_response=False
        )
        att.refresh_from_db()
        self.assertIsNotNone(att.removed_at)
        r = self.client.get(r["Location"])
        self.assertContains(r, "已删除“id.pdf”")
        self.assertNotContains(r, reverse("cases:attachment", args=[self.case.pk, att.pk]))

    def test_it_refuses_uploads_after_submission(self):
        self._submit()
        count = Attachment.objects.count()
        files = len(stored_files(self.case))
        r = self._upload("education", "学历.pdf", document_pdf())
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Attachment.objects.count(), count)
        self.assertEqual(len(stored_files(self.case)), files)
        r = self.client.get(r["Location"], follow=True)
        self.assertContains(r, "上传失败")

    def test_it_serves_the_receipt_pdf(self):
        notice = self._submit()
        r = self.client.get(reverse("cases:notice", args=[self.case.pk, notice.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertEqual(
            r["Content-Disposition"],
            f"inline; filename*=utf-8''{quote(f'材料接收告知单-{self.case.number}.pdf')}",
        )
        self.assertTrue(r.content.startswith(b"%PDF"))

    def test_it_lets_the_departments_acceptor_fetch_files_and_notices(self):
        notice = self._submit()
        att = self.case.attachments.order_by("id")[0]
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("cases:attachment", args=[self.case.pk, att.pk]))
        self.assertEqual(r.status_code, 200)
        r = self.client.get(reverse("cases:notice", args=[self.case.pk, notice.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")

    def test_it_hides_files_and_notices_from_another_departments_staff(self):
        notice = self._submit()
        att = self.case.attachments.order_by("id")[0]
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.get(reverse("cases:attachment", args=[self.case.pk, att.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("cases:notice", args=[self.case.pk, notice.pk])).status_code, 404
        )

    def test_it_hides_every_page_of_a_case_from_another_applicant(self):
        notice = self._submit()
        att = self.case.attachments.order_by("id")[0]
        self.client.force_login(self.other_applicant)
        pk = self.case.pk
        gets = [
            reverse("cases:detail", args=[pk]),
            reverse("cases:edit", args=[pk]),
            reverse("cases:print", args=[pk]),
            reverse("cases:receipt", args=[pk]),
            reverse("cases:attachment", args=[pk, att.pk]),
            reverse("cases:notice", args=[pk, notice.pk]),
        ]
        for url in gets:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        posts = [
            reverse("cases:edit", args=[pk]),
            reverse("cases:upload", args=[pk, "photo"]),
            reverse("cases:attachment_remove", args=[pk, att.pk]),
            reverse("cases:withdraw", args=[pk]),
        ]
        for url in posts:
            with self.subTest(url=url):
                r = self.client.post(url, {"file": upload("p.png", photo_png()), "action": "save"})
                self.assertEqual(r.status_code, 404)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.PENDING)
        self.assertEqual(Attachment.objects.filter(removed_at__isnull=False).count(), 0)
        self.assertFalse(Attachment.objects.filter(uploaded_by=self.other_applicant).exists())

    def test_it_hides_a_draft_from_the_departments_staff(self):
        upload_material(self.client, self.case, "photo")
        att = self.case.attachments.get()
        self.client.force_login(self.acceptor)
        self.assertEqual(
            self.client.get(reverse("cases:attachment", args=[self.case.pk, att.pk])).status_code, 404
        )
