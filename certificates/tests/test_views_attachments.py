"""The manual, section 3: 查看详情 → 「ofd阅读器下载」 and 「公示附件」 → 「加注」 → 加注中… →
「二建建造师注册证书」; also 我的证照, the browser preview and the PDF copy."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateCopy, CertificateLog, CopyStatus, LogAction
from certificates.services import certificate_copy_request, certificate_revoke
from certificates.tests.helpers import approved_case, ensure_keys
from certificates.views import COPIES_IN_WINDOW
from notifications.testing import drain_task_queue, pending_tasks
from portal.test import BaseTestCase
from registry.models import RegistrationStatus

MAKE_COPY = "certificates.tasks.make_certificate_copy"
JSON = {"Accept": "application/json"}


class AttachmentsTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        self.case, self.certificate = approved_case(self)
        drain_task_queue()  # the approval's SMS, so the queue holds only what the test makes
        self.window_url = reverse("certificates:case_attachments", args=[self.case.pk])
        self.annotate_url = reverse("certificates:annotate", args=[self.certificate.pk])

    def login(self, user=None) -> None:
        self.client.force_login(user or self.applicant)

    def ready_copy(self) -> CertificateCopy:
        copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        drain_task_queue()
        copy.refresh_from_db()
        return copy

    def test_it_shows_the_two_buttons_on_an_approved_case(self):
        self.login()
        r = self.client.get(reverse("cases:detail", args=[self.case.pk]))
        self.assertContains(r, ">ofd阅读器下载</a>")
        self.assertContains(r, ">公示附件</a>")
        self.assertContains(r, f'href="{reverse("certificates:ofd_reader")}"')
        self.assertContains(r, f'href="{self.window_url}"')
        self.assertContains(r, f'data-partial-url="{self.window_url}?partial=1"')
        self.assertContains(r, "js/certificates.js")

    def test_it_links_to_readers_and_to_the_browser_view(self):
        r = self.client.get(reverse("certificates:ofd_reader"))
        self.assertContains(r, 'href="https://www.suwell.cn/"')
        self.assertContains(r, 'href="https://www.foxitsoftware.cn/"')
        self.assertContains(r, "超越OFD阅读器")
        self.assertContains(r, "永中")
        self.assertContains(r, "在线查看")
        self.assertNotRegex(r.content.decode(), r'target="_blank"(?! rel="noopener")')

    def test_it_shows_the_window_with_the_annotate_button(self):
        self.login()
        r = self.client.get(self.window_url + "?partial=1")
        self.assertEqual(r.status_code, 200)
        body = r.content.decode()
        self.assertNotIn("<html", body)
        self.assertIn(self.certificate.license_id, body)
        self.assertIn(f'action="{self.annotate_url}"', body)
        self.assertRegex(body, r'<button type="submit" class="btn btn-red">加注</button>')
        self.assertIn("在线查看", body)
        self.assertIn("PDF副本", body)
        self.assertEqual(r["Cache-Control"], "private, no-store")
        # Without JavaScript the same window is a page.
        page = self.client.get(self.window_url)
        self.assertContains(page, "<html")
        self.assertContains(page, "公示附件")

    def test_it_annotates_and_the_worker_makes_the_copy(self):
        self.login()
        r = self.client.post(self.annotate_url, headers=JSON)
        self.assertEqual(r.status_code, 200)
        reply = r.json()
        copy = CertificateCopy.objects.get(certificate=self.certificate)
        self.assertEqual(copy.status, CopyStatus.PENDING)
        self.assertEqual(copy.requested_by, self.applicant)
        self.assertEqual(reply["ok"], True)
        self.assertEqual(reply["copy_id"], copy.pk)
        self.assertEqual(reply["status_url"], reverse("certificates:copy_status", args=[copy.pk]))
        self.assertEqual(len(pending_tasks(task_path=MAKE_COPY)), 1)
        self.assertTrue(
            CertificateLog.objects.filter(copy=copy, action=LogAction.ANNOTATE, user=self.applicant).exists()
        )

        # 加注中…: the window polls the status while the worker makes the file.
        window = self.client.get(self.window_url + "?partial=1").content.decode()
        self.assertIn("加注中…", window)
        self.assertIn(f'data-status-url="{reply["status_url"]}"', window)
        self.assertRegex(window, r"<button type=\"submit\" class=\"btn btn-red\" disabled>加注</button>")
        self.assertEqual(self.client.get(reply["status_url"]).json()["status"], "pending")

        self.assertEqual(drain_task_queue(), 1)
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)
        status = self.client.get(reply["status_url"]).json()
        download_url = reverse("certificates:download", args=[copy.pk])
        self.assertEqual(status["status"], "ready")
        self.assertEqual(status["download_url"], download_url)
        self.assertEqual(status["usage_valid_until"], copy.usage_valid_until.isoformat())

        window = self.client.get(self.window_url + "?partial=1").content.decode()
        self.assertNotIn("加注中…", window)
        self.assertIn(f'<a class="copy-link" href="{download_url}">二建建造师注册证书</a>', window)
        self.assertIn(f"使用有效期至 {copy.usage_valid_until:%Y}年{copy.usage_valid_until.month}月", window)

    def test_it_annotates_without_javascript(self):
        self.login()
        r = self.client.post(self.annotate_url, {"next": self.window_url}, follow=True)
        self.assertRedirects(r, self.window_url)
        self.assertContains(r, "已提交加注")
        self.assertContains(r, '<meta http-equiv="refresh" content="3">')
        self.assertEqual(CertificateCopy.objects.filter(certificate=self.certificate).count(), 1)

    def test_it_does_not_follow_a_next_to_another_site(self):
        self.login()
        r = self.client.post(self.annotate_url, {"next": "https://evil.example/"})
        self.assertRedirects(r, reverse("certificates:mine"), fetch_redirect_response=False)

    def test_it_refuses_a_cancelled_registration(self):
        registration = self.certificate.registration
        registration.status = RegistrationStatus.CANCELLED
        registration.save()
        certificate_revoke(registration=registration, reason="注销注册")
        self.login()
        r = self.client.post(self.annotate_url, headers=JSON)
        self.assertEqual(r.status_code, 409)
        self.assertEqual(r.json(), {"ok": False, "message": "该注册已注销，不能加注"})
        self.assertFalse(CertificateCopy.objects.exists())
        self.assertEqual(pending_tasks(task_path=MAKE_COPY), [])

        r = self.client.post(self.annotate_url, {"next": self.window_url}, follow=True)
        self.assertContains(r, "该注册已注销，不能加注")
        self.assertRegex(
            r.content.decode(), r"<button type=\"submit\" class=\"btn btn-red\" disabled>加注</button>"
        )
        self.assertFalse(CertificateCopy.objects.exists())

    def test_it_marks_a_copy_past_its_usage_date(self):
        copy = self.ready_copy()
        copy.usage_valid_until = timezone.localdate() - timedelta(days=1)
        copy.save()
        self.login()
        r = self.client.get(self.window_url + "?partial=1")
        self.assertContains(r, "已过使用有效期")
        self.assertContains(r, "请点击“加注”获取新的证书文件")
        # ... and 加注 gives a fresh one.
        self.client.post(self.annotate_url, headers=JSON)
        drain_task_queue()
        fresh = CertificateCopy.objects.exclude(pk=copy.pk).get()
        self.assertEqual(fresh.status, CopyStatus.READY)
        self.assertGreater(fresh.usage_valid_until, timezone.localdate())

    def test_it_is_not_shown_before_approval(self):
        from cases.tests.helpers import submitted_case

        # 李娜's own case, still 待受理.
        case = submitted_case(self, applicant=self.other_applicant)
        self.login(self.other_applicant)
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertNotContains(r, "公示附件")
        r = self.client.get(reverse("certificates:case_attachments", args=[case.pk]) + "?partial=1")
        self.assertContains(r, "该办件暂无电子证照")
        self.assertNotContains(r, "加注</button>")

    def test_it_is_404_for_another_applicant(self):
        copy = self.ready_copy()
        self.login(self.other_applicant)
        cert = self.certificate.pk
        for url in [
            self.window_url,
            reverse("certificates:copy_status", args=[copy.pk]),
            reverse("certificates:download", args=[copy.pk]),
            reverse("certificates:preview", args=[cert]),
            reverse("certificates:pdf", args=[cert]),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(self.annotate_url, headers=JSON).status_code, 404)
        self.assertEqual(CertificateCopy.objects.count(), 1)
        self.assertFalse(CertificateLog.objects.filter(action=LogAction.DOWNLOAD).exists())
        r = self.client.get(reverse("certificates:mine"))
        self.assertContains(r, "暂无电子证照")
        self.assertNotContains(r, self.certificate.license_id)

    def test_it_is_404_for_staff_and_enterprises(self):
        copy = self.ready_copy()
        for user in (self.decider, self.enterprise):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.client.get(reverse("certificates:download", args=[copy.pk])).status_code, 404
                )
                self.assertEqual(self.client.post(self.annotate_url).status_code, 404)

    def test_it_asks_to_log_in(self):
        r = self.client.get(self.window_url)
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("accounts:login"), r["Location"])
        self.assertEqual(self.client.post(self.annotate_url).status_code, 302)
        self.assertFalse(CertificateCopy.objects.exists())


class MineTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        self.case, self.certificate = approved_case(self)
        self.client.force_login(self.applicant)

    def test_it_lists_certificates_copies_and_every_download(self):
        copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        drain_task_queue()
        self.client.get(reverse("certificates:download", args=[copy.pk]))
        r = self.client.get(reverse("certificates:mine"))
        self.assertContains(r, self.certificate.license_id)
        self.assertContains(r, self.certificate.registration.number)
        self.assertContains(r, "第1版")
        self.assertContains(
            r, f'href="{reverse("certificates:download", args=[copy.pk])}">二建建造师注册证书</a>'
        )
        logs = re.findall(
            r'<tr role="row"><td role="cell" data-label="时间">[^<]+</td>'
            r'<td role="cell" data-label="操作">([^<]+)</td>',
            r.content.decode(),
        )
        self.assertEqual(logs, ["下载", "加注", "签发"])
        self.assertContains(r, f'href="{reverse("certificates:preview", args=[self.certificate.pk])}"')

    def copies_make(self, count: int) -> None:
        """`count` ready copies, each with its 加注 log, built directly (the list is the subject)."""
        copies = CertificateCopy.objects.bulk_create(
            CertificateCopy(
                certificate=self.certificate,
                usage_valid_until=timezone.localdate() + timedelta(days=180),
                status=CopyStatus.READY,
                requested_by=self.applicant,
            )
            for _ in range(count)
        )
        CertificateLog.objects.bulk_create(
            CertificateLog(
                certificate=self.certificate, copy=c, user=self.applicant, action=LogAction.ANNOTATE
            )
            for c in copies
        )

    def test_it_shows_the_latest_copies_and_a_page_of_logs_with_the_same_queries_for_1_or_30(self):
        url = reverse("certificates:mine")
        self.copies_make(1)
        self.client.get(url)  # the login's first page: it stamps the session, the others do not
        with CaptureQueriesContext(connection) as one:
            r = self.client.get(url)
        [(_, rows)] = r.context["entries"]
        self.assertEqual(len(rows), 1)
        self.copies_make(29)
        with self.assertNumQueries(len(one.captured_queries)):
            r = self.client.get(url)
        [(_, rows)] = r.context["entries"]
        self.assertEqual(len(rows), COPIES_IN_WINDOW)
        self.assertContains(r, f"显示最近 {COPIES_IN_WINDOW} 份加注件")
        self.assertEqual(len(r.context["logs"]), 20)
        self.assertContains(r, "第 1 / 2 页，共 31 条")  # and the 签发
        self.assertContains(r, 'rel="next" href="?page=2">下一页</a>')
        with self.assertNumQueries(len(one.captured_queries)):
            r = self.client.get(url, {"page": 2})
        self.assertEqual(len(r.context["logs"]), 11)

    def test_the_top_bar_links_it_for_persons(self):
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, f'<a href="{reverse("certificates:mine")}">我的证照</a>')


class PreviewTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        self.case, self.certificate = approved_case(self)
        self.client.force_login(self.applicant)

    def test_it_draws_the_certificate_without_a_copy(self):
        r = self.client.get(reverse("certificates:preview", args=[self.certificate.pk]))
        self.assertContains(r, "<svg")
        self.assertContains(r, "还没有加注过")
        self.assertContains(r, self.certificate.license_id)
        self.assertNotContains(r, "使用有效期</dt>")
        self.assertEqual(r["Cache-Control"], "private, no-store")

    def test_it_draws_the_latest_copy(self):
        copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        drain_task_queue()
        copy.refresh_from_db()
        r = self.client.get(reverse("certificates:preview", args=[self.certificate.pk]))
        self.assertContains(r, "<svg")
        self.assertContains(r, "使用有效期</dt>")
        self.assertContains(r, f'href="{reverse("certificates:download", args=[copy.pk])}"')

    def test_it_gives_an_a4_pdf_copy(self):
        r = self.client.get(reverse("certificates:pdf", args=[self.certificate.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertTrue(r.content.startswith(b"%PDF"))
        self.assertIn("attachment", r["Content-Disposition"])
        self.assertIn("filename*=utf-8''", r["Content-Disposition"])
        box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", r.content)
        assert box is not None
        # A4 in points: 595.28 × 841.89.
        self.assertAlmostEqual(float(box.group(1)), 595.28, delta=0.5)
        self.assertAlmostEqual(float(box.group(2)), 841.89, delta=0.5)
