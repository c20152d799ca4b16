"""Errors where the eye is, and 打印申请表 as the manual says (issue 11), in Chromium: what
the page's scripts do — the checks made before a file is sent, a server refusal put on the
material's row, the error summary taking the focus, the margin advice before the print
dialog. The server-side paths are in cases/tests/test_views_errors.py."""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import User
from cases.models import Attachment, Case
from cases.services import case_draft_save
from cases.tests.helpers import initial_form_data, initial_item
from cases.tests.sample_files import document_pdf
from cases.views import UPLOAD_REFUSAL_KEY
from catalog.seed import seed_catalog
from portal.browser import BrowserTestCase
from portal.test import make_uscc, person_create

# Chromium headless shows no print dialog: print() is replaced, in every frame, by a note of
# which document asked to print.
STUB_PRINT = """
window.print = function () {
  var top = window.top;
  top.__printed = (top.__printed || []).concat([String(document.contentType) + " " + location.pathname]);
};
"""
MB = 1024 * 1024


@pytest.mark.browser
class ErrorsBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        seed_catalog()
        self.applicant = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        personas = SimpleNamespace(
            enterprise=SimpleNamespace(enterprise=SimpleNamespace(uscc=make_uscc("91210100MA0QC0000")))
        )
        self.case = case_draft_save(
            user=self.applicant,
            item=initial_item(),
            form_data=initial_form_data(personas),
            submit_method="online",
        )
        self.log_in(self.applicant)
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(f"{r.method} {r.url}"))

    def log_in(self, user: User) -> None:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        self.session = session
        host = self.live_server_url.split("//", 1)[1].split(":")[0]
        self.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "domain": host,
                    "path": "/",
                }
            ]
        )

    def open_form(self) -> Any:
        self.page.goto(self.url(f"/cases/{self.case.pk}/edit/"))
        self.page.wait_for_load_state("networkidle")
        return self.page

    def choose(self, page: Any, code: str, name: str, mime: str, data: bytes) -> None:
        page.locator(f"#file-{code}").set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": data}]
        )

    def uploads_sent(self) -> list[str]:
        return [r for r in self.requests if r.startswith("POST") and "/materials/" in r]

    def test_it_refuses_a_26_mb_file_on_its_row_without_sending_it(self) -> None:
        page = self.open_form()
        # From a file on disk, as a user picks one: Playwright hands a local browser the path,
        # where a 26 MB buffer would go through its pipe in base64 (slow on a loaded machine).
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "身份证.pdf"
            path.write_bytes(b"%PDF-1.4\n" + b"0" * (26 * MB))
            page.locator("#file-identity").set_input_files(str(path))
        message = page.locator("#upload-error-identity")
        message.wait_for()
        self.assertEqual(message.inner_text(), "“身份证明”上传失败：文件过大，单个文件不能超过10MB")
        # Focused, so it is read out, and the input says it is the one in error.
        self.assertEqual(page.evaluate("document.activeElement.id"), "upload-error-identity")
        self.assertEqual(page.locator("#file-identity").get_attribute("aria-invalid"), "true")
        self.assertIn(
            "upload-error-identity", page.locator("#file-identity").get_attribute("aria-describedby")
        )
        self.assertEqual(self.uploads_sent(), [])
        self.assertFalse(Attachment.objects.exists())

    def test_it_refuses_a_pdf_named_as_a_photo_before_sending_it(self) -> None:
        page = self.open_form()
        self.choose(page, "photo", "照片.jpg", "image/jpeg", document_pdf())
        page.locator("#upload-error-photo").wait_for()
        self.assertEqual(
            page.locator("#upload-error-photo").inner_text(),
            "“申请人本人白底1寸照片（图片）”上传失败：该材料只接受JPG或PNG格式的图片",
        )
        self.assertEqual(self.uploads_sent(), [])

    def test_it_puts_a_refusal_of_the_server_on_the_row_without_leaving_the_page(self) -> None:
        page = self.open_form()
        # A JPEG by its first bytes that does not open: only the server can tell.
        self.choose(page, "photo", "照片.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 200)
        message = page.locator("#upload-error-photo")
        message.wait_for()
        self.assertEqual(
            message.inner_text(), "“申请人本人白底1寸照片（图片）”上传失败：图片无法打开，文件可能已损坏"
        )
        self.assertEqual(page.evaluate("document.activeElement.id"), "upload-error-photo")
        self.assertEqual(len(self.uploads_sent()), 1)
        self.assertEqual(page.url, self.url(f"/cases/{self.case.pk}/edit/"))  # no reload
        self.assertFalse(Attachment.objects.exists())

    def test_a_refusal_the_server_returned_to_is_on_the_focused_row(self) -> None:
        # As after an upload the form posted itself: the refusal waits in the session.
        message = "“申请人本人白底1寸照片（图片）”上传失败：该材料只接受JPG或PNG格式的图片"
        self.session[UPLOAD_REFUSAL_KEY] = {"case": self.case.pk, "code": "photo", "message": message}
        self.session.save()
        page = self.page
        page.goto(self.url(f"/cases/{self.case.pk}/edit/#material-photo"))
        page.wait_for_load_state("networkidle")
        self.assertEqual(page.locator("#upload-error-photo").inner_text(), message)
        # The browser focuses the row the page opened at; the message is inside it.
        self.assertEqual(page.evaluate("document.activeElement.id"), "material-photo")
        self.assertTrue(page.locator("#material-photo").is_visible())

    def test_it_uploads_by_fetch_and_reloads_at_the_row(self) -> None:
        page = self.open_form()
        with page.expect_navigation():
            self.choose(page, "identity", "身份证.pdf", "application/pdf", document_pdf())
        page.locator("#material-identity .file-list").wait_for()
        self.assertTrue(page.url.endswith(f"/cases/{self.case.pk}/edit/#material-identity"))
        self.assertEqual(Attachment.objects.get(case=self.case).material_code, "identity")
        self.assertIn("“身份证明”上传成功", page.locator(".messages").inner_text())

    def test_the_error_summary_takes_the_focus_and_its_links_move_it_to_the_field(self) -> None:
        page = self.open_form()
        page.locator("#id_major").fill("")
        page.get_by_role("button", name="保存并提交").click()
        page.wait_for_load_state()
        summary = page.locator("#error-summary")
        summary.wait_for()
        self.assertEqual(page.evaluate("document.activeElement.id"), "error-summary")
        self.assertIn("提交未成功，请修改以下", summary.inner_text())
        link = summary.get_by_role("link", name="请填写所学专业")
        link.click()
        self.assertEqual(page.evaluate("document.activeElement.id"), "id_major")
        self.assertEqual(page.locator("#id_major").get_attribute("aria-invalid"), "true")

    def test_print_shows_the_margin_advice_then_prints_the_framed_pdf(self) -> None:
        self.context.add_init_script(STUB_PRINT)
        page = self.open_form()
        page.get_by_role("link", name="打印申请表").click()
        dialog = page.get_by_role("dialog", name="打印申请表")
        dialog.wait_for()
        self.assertIn("在打印设置中点击“更多设置”，将“边距”设为“最小值”", dialog.inner_text())
        self.assertEqual(page.evaluate("window.__printed || []"), [])  # nothing before 继续打印
        dialog.get_by_role("button", name="继续打印").click()
        # (wait_for_function evaluates a string, which the page's policy forbids)
        page.locator("#print-status", has_text="申请表已生成").wait_for()
        page.wait_for_timeout(500)
        printed = page.evaluate("window.__printed || []")
        # The framed PDF asked to print, not the page around it.
        self.assertEqual(len(printed), 1)
        self.assertRegex(printed[0], rf"^application/pdf /cases/{self.case.pk}/print/$")
        self.assertEqual(Case.objects.count(), 1)
