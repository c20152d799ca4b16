"""Errors where the eye is (issue 11), without JavaScript and for the page's scripts: a
refused upload on its material's row, the error summary of a refused 保存并提交 linking to
each field, the data the browser-side checks read, and 打印申请表's frame and advice.
The scripts themselves are tested in portal/tests/test_browser_errors.py."""

from __future__ import annotations

import uuid

from django.test import override_settings
from django.urls import reverse

from cases.models import Attachment, Case, CaseStatus
from cases.tests.helpers import employer_offline
from cases.tests.sample_files import document_pdf, form_post, photo_png, save_new, start_url, upload
from lib.tests.test_uploads import _js_open_action, pdf
from lib.uploads import MSG_PDF_SCRIPT
from portal.test import BaseTestCase

PHOTO = "申请人本人白底1寸照片（图片）"


class UploadRefusalTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        save_new(self.client, form_post(self))
        self.case = Case.objects.get(applicant=self.applicant)
        self.edit = reverse("cases:edit", args=[self.case.pk])

    def post(self, code: str, name: str, data: bytes, *, fetch: bool = False):
        # As static/js/uploads.js sends it (fetch), or as the form itself posts it.
        headers = {"Accept": "application/json"} if fetch else {}
        return self.client.post(
            reverse("cases:upload", args=[self.case.pk, code]), {"file": upload(name, data)}, headers=headers
        )

    def test_a_refusal_returns_to_the_row_and_is_shown_there_focused(self):
        r = self.post("photo", "photo.jpg", document_pdf())
        self.assertRedirects(r, self.edit + "#material-photo", fetch_redirect_response=False)
        self.assertFalse(Attachment.objects.exists())
        r = self.client.get(self.edit)
        message = f"“{PHOTO}”上传失败：该材料只接受JPG或PNG格式的图片"
        self.assertContains(
            r,
            f'<p class="upload-error" id="upload-error-photo" tabindex="-1" role="alert">{message}</p>',
            html=True,
        )
        self.assertContains(r, f">{message}<", count=1)  # on the row, not also in the banner
        # The row is where the page opens (#material-photo), focused by the browser.
        self.assertContains(r, 'class="material-row material-refused" id="material-photo" tabindex="-1">')
        self.assertContains(r, 'aria-describedby="upload-error-photo" aria-invalid="true"')
        # The other rows have their empty, hidden place for a message.
        self.assertContains(
            r, '<p class="upload-error" id="upload-error-identity" tabindex="-1" hidden></p>', html=True
        )
        # Shown once: the next visit of the page is clean.
        r = self.client.get(self.edit)
        self.assertNotContains(r, "material-refused")
        self.assertNotContains(r, 'role="alert">“')

    def test_a_pdf_with_a_script_is_refused_on_its_row(self):
        r = self.post("identity", "身份证.pdf", pdf(_js_open_action))
        self.assertRedirects(r, self.edit + "#material-identity", fetch_redirect_response=False)
        r = self.client.get(self.edit)
        self.assertContains(r, f"“身份证明”上传失败：{MSG_PDF_SCRIPT}</p>")
        self.assertFalse(Attachment.objects.exists())

    @override_settings(UPLOAD_MAX_BYTES=1024 * 1024)
    def test_a_file_over_the_limit_is_refused_by_its_declared_size(self):
        r = self.post("identity", "scan.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024))
        self.assertRedirects(r, self.edit + "#material-identity", fetch_redirect_response=False)
        r = self.client.get(self.edit)
        self.assertContains(r, "“身份证明”上传失败：文件过大，单个文件不能超过1MB</p>")
        # The browser-side check reads the same limit and says the same sentence.
        self.assertContains(r, 'data-max-bytes="1048576"')
        self.assertContains(r, 'data-refusal-size="“身份证明”上传失败：文件过大，单个文件不能超过1MB"')
        self.assertFalse(Attachment.objects.exists())

    def test_the_file_inputs_offer_what_each_material_takes(self):
        r = self.client.get(self.edit)
        self.assertContains(
            r, 'id="file-photo" name="file" class="file-input" accept=".jpg,.jpeg,.png,image/jpeg,image/png"'
        )
        self.assertContains(
            r,
            'id="file-identity" name="file" class="file-input" '
            'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"',
        )
        self.assertContains(r, f'data-refusal-type="“{PHOTO}”上传失败：该材料只接受JPG或PNG格式的图片"')
        self.assertContains(
            r, 'data-refusal-type="“身份证明”上传失败：文件内容与格式不符，请上传真实的JPG、PNG或PDF文件"'
        )

    def test_a_refusal_asked_by_fetch_is_answered_in_json_and_not_kept_for_the_page(self):
        r = self.post("photo", "photo.jpg", document_pdf(), fetch=True)
        self.assertEqual(r.status_code, 400)
        self.assertEqual(
            r.json(), {"ok": False, "message": f"“{PHOTO}”上传失败：该材料只接受JPG或PNG格式的图片"}
        )
        self.assertFalse(Attachment.objects.exists())
        self.assertNotContains(self.client.get(self.edit), "material-refused")

    def test_an_upload_by_fetch_answers_where_to_reload(self):
        r = self.post("photo", "照片.png", photo_png(), fetch=True)
        self.assertEqual(r.json(), {"ok": True, "location": self.edit + "#material-photo"})
        self.assertEqual(Attachment.objects.get(case=self.case).material_code, "photo")
        self.assertContains(self.client.get(self.edit), f"“{PHOTO}”上传成功")

    def test_a_refusal_after_submission_goes_to_the_banner_of_the_case_page(self):
        Case.objects.filter(pk=self.case.pk).update(status=CaseStatus.PENDING)  # another tab submitted
        r = self.post("photo", "photo.jpg", document_pdf())
        r = self.client.get(r["Location"], follow=True)
        self.assertContains(r, '<li class="msg msg-error">', count=1)
        self.assertContains(r, "上传失败")


class SubmitSummaryTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)

    def test_a_refused_submit_lists_each_field_with_a_link_and_a_plain_message(self):
        save_new(self.client, form_post(self))
        case = Case.objects.get(applicant=self.applicant)
        r = self.client.post(
            reverse("cases:edit", args=[case.pk]),
            {**form_post(self, major="", education="", specialties=[]), "action": "submit"},
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, '<div class="error-summary" id="error-summary" tabindex="-1" autofocus')
        # The three fields, then the six required materials not uploaded yet.
        self.assertContains(r, "提交未成功，请修改以下9处：")
        self.assertContains(r, f'<a href="#material-photo">请上传“{PHOTO}”</a>', html=True)
        self.assertContains(r, '<a href="#id_education">请选择最高学历</a>', html=True)
        self.assertContains(r, '<a href="#id_major">请填写所学专业</a>', html=True)
        self.assertContains(r, '<a href="#id_specialties_0">请选择申请注册专业</a>', html=True)
        # Beside each field, tied to it.
        self.assertContains(
            r, '<ul class="errorlist" id="id_major_error"><li>请填写所学专业</li></ul>', html=True
        )
        self.assertContains(r, 'aria-invalid="true" aria-describedby="id_major_error"')
        self.assertContains(
            r,
            '<fieldset class="field field-wide field-checks field-invalid" '
            'aria-describedby="id_specialties_error">',
        )
        self.assertNotContains(r, "这个字段是必填项")
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)

    def test_a_first_submit_refused_lands_on_the_page_with_the_summary(self):
        post = {**form_post(self, major=""), "client_token": str(uuid.uuid4())}
        r = self.client.post(start_url(), {**post, "action": "submit", "submit_method": "online"})
        case = Case.objects.get(applicant=self.applicant)
        self.assertRedirects(
            r, reverse("cases:edit", args=[case.pk]) + "?check=1", fetch_redirect_response=False
        )
        r = self.client.get(r["Location"])
        self.assertContains(r, '<a href="#id_major">请填写所学专业</a>', html=True)
        # Without ?check=1 (a later visit) a draft's empty fields are not flagged.
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertNotContains(r, "error-summary")
        self.assertNotContains(r, "请填写所学专业")

    def test_the_form_of_a_saved_draft_has_no_summary(self):
        save_new(self.client, form_post(self))
        case = Case.objects.get(applicant=self.applicant)
        self.assertNotContains(self.client.get(reverse("cases:edit", args=[case.pk])), "error-summary")


class PrintTestCase(BaseTestCase):
    def test_the_form_may_be_framed_by_the_portal_only(self):
        self.client.force_login(self.applicant)
        save_new(self.client, form_post(self))
        case = Case.objects.get(applicant=self.applicant)
        r = self.client.get(reverse("cases:print", args=[case.pk]))
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertEqual(r["X-Frame-Options"], "SAMEORIGIN")
        page = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertContains(page, "在打印设置中点击“更多设置”，将“边距”设为“最小值”")
        self.assertContains(
            page, '<button type="button" class="btn" data-print-continue>继续打印</button>', html=True
        )
        self.assertContains(page, '<p class="print-status" id="print-status" role="status"></p>', html=True)
        # Without JavaScript the link still opens the PDF.
        self.assertContains(
            page, f'id="print-link" href="{reverse("cases:print", args=[case.pk])}" target="_blank"'
        )
        # Other pages stay unframeable.
        self.assertEqual(page["X-Frame-Options"], "DENY")
